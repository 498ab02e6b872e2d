/**
 * hosts.toml judged against containerd 2.x's parser rules, read from its source and committed as
 * test data (test/fixtures/upstream/containerd-2-hosts.json, with the upstream commit). containerd
 * 1.6 is proven with the real ctr in test/e2e/trust.e2e.test.ts.
 * The model below follows parseHostsFile: endpoints are the `[host."…"]` TABLE headers in file order
 * (getSortedHosts skips dotted keys and inline tables), then the top-level server entry; ca/client
 * are resolved against the file's directory; unknown capabilities are errors.
 */
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { parse as parseToml } from "smol-toml";
import { REPO } from "../../helpers/cli.js";
import { renderHostsToml } from "../../../src/trust/containerd.js";
import { planTrust } from "../../../src/trust/plan.js";

interface Rules {
  commit: string;
  rootKeys: string[];
  hostKeys: string[];
  capabilities: string[];
}
const rules = JSON.parse(readFileSync(join(REPO, "test/fixtures/upstream/containerd-2-hosts.json"), "utf8")) as Rules;
const CA = readFileSync(join(REPO, "test/fixtures/trust/ca-a.crt"), "utf8");

interface Endpoint {
  scheme: string;
  host: string;
  capabilities: string[];
  ca: string[];
  client: Array<[string, string]>;
}

/** The ordered host names of getSortedHosts: table headers `[host.X…]` only (each header parsed as TOML to get its key parts). */
function sortedHosts(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (!/^\s*\[[^[]/.test(line)) continue;
    const parts: string[] = [];
    let node = parseToml(line.replace(/#.*$/, "")) as Record<string, unknown>;
    for (;;) {
      const keys = Object.keys(node);
      if (keys.length !== 1) break;
      parts.push(keys[0] as string);
      node = node[keys[0] as string] as Record<string, unknown>;
    }
    if (parts.length >= 2 && parts[0] === "host" && parts[1] !== out[out.length - 1]) out.push(parts[1] as string);
  }
  return out;
}

function endpoint(server: string, config: Record<string, unknown>, baseDir: string): Endpoint {
  for (const key of Object.keys(config)) expect({ key, known: rules.hostKeys.includes(key) }).toEqual({ key, known: true });
  const url = new URL(server.startsWith("http") ? server : `https://${server}`);
  const caps = (config.capabilities as string[] | undefined) ?? rules.capabilities;
  for (const c of caps) expect(rules.capabilities).toContain(c.toLowerCase());
  const abs = (p: string) => (posix.isAbsolute(p) ? p : posix.join(baseDir, p));
  const ca = config.ca === undefined ? [] : typeof config.ca === "string" ? [abs(config.ca)] : (config.ca as string[]).map(abs);
  const client = ((config.client as Array<[string, string]> | undefined) ?? []).map(([c, k]) => [abs(c), abs(k)] as [string, string]);
  return { scheme: url.protocol.replace(":", ""), host: url.host, capabilities: caps, ca, client };
}

/** parseHostsFile of containerd 2.x, as a model. */
function parseHostsFile2(baseDir: string, text: string): Endpoint[] {
  const doc = parseToml(text) as Record<string, unknown>;
  for (const key of Object.keys(doc)) expect({ key, known: rules.rootKeys.includes(key) }).toEqual({ key, known: true });
  const hostTable = (doc.host ?? {}) as Record<string, Record<string, unknown>>;
  const out = sortedHosts(text).map((h) => endpoint(h, hostTable[h] ?? {}, baseDir));
  const { server, host: _host, ...root } = doc;
  out.push(endpoint((server as string | undefined) ?? "", root, baseDir));
  return out;
}

describe(`hosts.toml against containerd 2.x's parser rules (containerd ${rules.commit.slice(0, 12)})`, () => {
  const names = ["registry.local:5000", "192.168.0.12:5000", "[fd00::12]:5000", "[::1]:5000", "registry.example", "registry.example:443"];

  test.each(names.flatMap((n) => [[n, false], [n, true]] as Array<[string, boolean]>))("%s (client pair: %s): the first endpoint is https to that host with our CA; any other is the same URL", (name, withClient) => {
    const dir = `/etc/containerd/certs.d/${name}`;
    const text = renderHostsToml(name, withClient);
    const endpoints = parseHostsFile2(dir, text);
    const expectedHost = new URL(`https://${name}`).host;
    expect(endpoints[0]).toEqual({
      scheme: "https",
      host: expectedHost,
      capabilities: ["pull", "resolve", "push"],
      ca: [`${dir}/ca.crt`],
      client: withClient ? [[`${dir}/client.cert`, `${dir}/client.key`]] : [],
    });
    // the root entry (appended last by containerd) is the same https URL: without a CA of its own it
    // can only fail closed (unknown authority), never fall back to plain HTTP or another host
    for (const e of endpoints) expect({ scheme: e.scheme, host: e.host }).toEqual({ scheme: "https", host: expectedHost });
    expect(endpoints.length).toBe(name.startsWith("[") ? 1 : 2);
    // every file carries a host entry for its https:// URL (any TOML parser sees the host table)
    const doc = parseToml(text) as { host?: Record<string, unknown> };
    expect(Object.keys(doc.host ?? {})).toEqual([`https://${name}`]);
  });

  test("IPv6 files have no table header with ']' in it (containerd 1.6 would ignore the file)", () => {
    for (const name of ["[fd00::12]:5000", "[::1]:5000"]) {
      const text = renderHostsToml(name, true);
      expect(text).not.toMatch(/^\s*\[[^\n]*\][^\n]*\]\s*$/m);
      expect(sortedHosts(text)).toEqual([]);
    }
  });

  test("the model is not vacuous: an unknown capability, an unknown key, or a plain-http server fail it", () => {
    const good = renderHostsToml("registry.local:5000", false);
    expect(() => parseHostsFile2("/d", good.replace('"push"]', '"push", "delete"]'))).toThrow();
    expect(() => parseHostsFile2("/d", `${good}  insecure = true\n`)).toThrow();
    expect(parseHostsFile2("/d", good.replace(/https:/g, "http:"))[0]?.scheme).toBe("http");
  });

  test("no plan ever writes registry.mirrors or registry.configs into a containerd file", () => {
    const plan = planTrust({ hosts: names, caPem: CA, targets: ["containerd", "microk8s"] });
    for (const f of plan.files.filter((x) => x.role === "hosts-toml")) expect(f.contents).not.toMatch(/mirrors|configs/);
  });
});
