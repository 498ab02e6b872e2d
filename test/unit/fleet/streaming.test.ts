/**
 * The second scale pass (issue 15) changes how output is produced, never what:
 * - streamed output (writeStdout) is the same text as `stdout`, in pieces of about CHUNK characters,
 *   and a big fleet really is streamed (many pieces, none near the size of the whole);
 * - --out DIR files built on first read hold the same text;
 * - checkHosts' parsed hosts are what parseRegistryHosts returns, and a plan made from them
 *   (parsedHosts) equals the plan made by parsing again;
 * - certs.d paths built by concatenation equal posix.join's; hosts.toml alternatives made on first
 *   read survive spreading and JSON, and keep uninstall's ownership test working.
 * The bytes themselves are judged by renderers.test.ts (real validators + goldens) and yaml-writer.test.ts.
 */
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { checkHostList, checkHosts, readHostLines } from "../../../src/fleet/hosts.js";
import { FLEET_ENGINES, FLEET_ENGINE_NAMES, renderFleet } from "../../../src/fleet/index.js";
import { CHUNK } from "../../../src/fleet/output.js";
import { parseRegistryHosts } from "../../../src/trust/host-port.js";
import { planTrust, planTrustRemoval } from "../../../src/trust/plan.js";
import { unsafeBlock } from "../../../src/fleet/yaml-text.js";
import { REPO } from "../../helpers/cli.js";

const fixture = (name: string) => readFileSync(join(REPO, "test/fixtures/trust", name), "utf8");
const CA = fixture("ca-a.crt");
const CLIENT = { clientCertPem: fixture("client-a.crt"), clientKeyPem: fixture("client-a.key") };
const MIXED = ["Reg.Example.test:5000", "192.0.2.10:5000", "reg.example.test", "[2001:db8::1]:5000", "[2001:DB8::2]", "a-b.example.test:65535"];

function chunksOf(rendering: { writeStdout?: (write: (chunk: string) => void) => void; stdout: string }): string[] {
  const chunks: string[] = [];
  if (rendering.writeStdout) rendering.writeStdout((c) => chunks.push(c));
  else chunks.push(rendering.stdout);
  return chunks;
}

describe("streamed fleet output", () => {
  for (const engine of FLEET_ENGINE_NAMES) {
    it(`${engine}: the streamed pieces are stdout, and the --out DIR file holds the same text`, () => {
      const client = FLEET_ENGINES[engine].client ? CLIENT : {};
      // OpenShift's ConfigMap keys cannot name an IPv6 registry (refused by the renderer)
      const hosts = engine === "openshift" ? MIXED.filter((h) => !h.startsWith("[")) : MIXED;
      const { rendering } = renderFleet({ engine, hosts, caPem: CA, ...client });
      const streamed = chunksOf(rendering).join("");
      expect(streamed.length).toBeGreaterThan(0);
      expect(streamed).toBe(rendering.stdout);
      // streaming twice gives the same text again (nothing is consumed)
      expect(chunksOf(rendering).join("")).toBe(streamed);
      if (engine === "cloud-init" || engine === "ignition") expect(rendering.files[0]?.contents).toBe(streamed);
      if (engine === "ansible") {
        const again = renderFleet({ engine, hosts: MIXED, caPem: CA, ...client, uninstall: true }).rendering;
        expect(chunksOf(again).join("")).toBe(again.stdout);
        expect(again.stdout).not.toBe(streamed);
      }
    });
  }

  it.each(["ansible", "cloud-init", "ignition"] as const)("%s for 2,000 hosts is written in pieces of about CHUNK characters", (engine) => {
    const hosts = Array.from({ length: 2000 }, (_, i) => `reg${i}.example.test:${5000 + (i % 7)}`);
    const { rendering } = renderFleet({ engine, hosts, caPem: CA });
    expect(rendering.writeStdout).toBeDefined();
    const chunks = chunksOf(rendering);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    expect(total).toBeGreaterThan(10 * CHUNK);
    expect(chunks.length).toBeGreaterThanOrEqual(Math.floor(total / (2 * CHUNK)));
    // every piece but the last reached CHUNK, and none is much bigger (pieces are one entry each)
    for (const c of chunks.slice(0, -1)) expect(c.length).toBeGreaterThanOrEqual(CHUNK);
    for (const c of chunks) expect(c.length).toBeLessThan(CHUNK + 8192);
    expect(chunks.join("")).toBe(rendering.stdout);
  });
});

describe("hosts parsed once", () => {
  it("checkHosts returns checkHostList's hosts and parseRegistryHosts' parse of them", () => {
    const entries = readHostLines(`${MIXED.join("\n")}\n# a comment\n\n`, "hosts.txt");
    const { hosts, parsed } = checkHosts(entries);
    expect(hosts).toEqual(checkHostList(entries));
    expect(hosts).toEqual(MIXED);
    expect(parsed).toEqual(parseRegistryHosts(MIXED));
  });

  it("a plan from parsedHosts equals the plan that parses the hosts itself, for every Linux target", () => {
    const { hosts, parsed } = checkHosts(readHostLines(MIXED.join("\n"), "hosts.txt"));
    const options = { hosts, caPem: CA, targets: ["docker", "containerd", "containers", "system", "k3s", "microk8s"] as const, ...CLIENT };
    const reparsed = planTrust({ ...options, targets: [...options.targets] });
    const given = planTrust({ ...options, targets: [...options.targets], parsedHosts: parsed });
    expect(JSON.stringify(given)).toBe(JSON.stringify(reparsed));
    expect(given).toEqual(reparsed);
    // renderFleet with parsedHosts renders the same bytes
    for (const engine of ["ansible", "cloud-init", "ignition", "talos"] as const) {
      expect(renderFleet({ engine, hosts, parsedHosts: parsed, caPem: CA, ...CLIENT }).rendering.stdout).toBe(renderFleet({ engine, hosts, caPem: CA, ...CLIENT }).rendering.stdout);
    }
  });
});

describe("certs.d paths and hosts.toml alternatives", () => {
  const plan = planTrust({ hosts: MIXED, caPem: CA, targets: ["docker", "containerd", "containers", "microk8s"], ...CLIENT, root: "/" });

  it("every planned path is what posix.join makes of the certs.d root, the registry and the file name", () => {
    for (const file of plan.files) {
      if (!file.registry) continue;
      expect(file.path).toBe(posix.join(file.guard, file.registry, posix.basename(file.path)));
      expect(file.path).toBe(posix.normalize(file.path));
    }
    const registryDirs = plan.directories.filter((d) => plan.files.some((f) => posix.dirname(f.path) === d.path));
    expect(registryDirs.length).toBe(plan.files.filter((f) => f.role === "ca-bundle").length);
    for (const dir of plan.directories) expect(dir.path).toBe(posix.normalize(dir.path));
  });

  it("hosts.toml alternatives are made on read, kept, copied by spreading and JSON, and still own the other variant", () => {
    const tomls = plan.files.filter((f) => f.role === "hosts-toml");
    expect(tomls.length).toBe(2 * 8); // containerd + microk8s, 8 directory names (the two 443 hosts have two)
    for (const file of tomls) {
      const alternatives = file.alternatives ?? [];
      expect(alternatives.length).toBeGreaterThan(0);
      expect(file.alternatives).toBe(alternatives);
      expect({ ...file }.alternatives).toEqual(alternatives);
      expect((JSON.parse(JSON.stringify(file)) as { alternatives: string[] }).alternatives).toEqual(alternatives);
      expect(alternatives).not.toContain(file.contents);
    }
    // a hosts.toml written without the client pair is still regcert's: uninstall removes it
    const without = planTrust({ hosts: MIXED, caPem: CA, targets: ["containerd"], root: "/" });
    const current = new Map(without.files.map((f) => [f.path, f.contents]));
    const removal = planTrustRemoval(
      planTrust({ hosts: MIXED, caPem: CA, targets: ["containerd"], ...CLIENT, root: "/" }),
      (path) => (current.has(path) ? { contents: current.get(path) as string, mode: 0o644 } : undefined),
    );
    expect(removal.keep).toEqual([]);
    expect(removal.remove.filter((f) => f.role === "hosts-toml").length).toBe(8);
  });
});

describe("unsafeBlock's one-pass indentation", () => {
  it("equals indenting line by line (non-empty lines padded, empty lines kept) for 3,000 random texts", () => {
    let seed = 15;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const alphabet = ["a", "Z", "0", "-", " ", "\n", "\n", "{", "#", ":", "\t", "é"];
    let blocks = 0;
    for (let i = 0; i < 3000; i++) {
      let text = "";
      const n = 1 + Math.floor(random() * 40);
      for (let j = 0; j < n; j++) text += alphabet[Math.floor(random() * alphabet.length)];
      if (random() < 0.7) text += "\n";
      for (const indent of [0, 4, 6]) {
        const got = unsafeBlock(text, indent);
        const plain = /^[\x20-\x7e\n]+$/.test(text) && text.endsWith("\n") && !text.endsWith("\n\n") && !/^[ \n]/.test(text) && !/ \n/.test(text);
        const pad = " ".repeat(indent);
        const expected = plain ? `!unsafe |\n${text.slice(0, -1).split("\n").map((l) => (l === "" ? "" : pad + l)).join("\n")}` : got;
        if (plain) blocks++;
        expect(got).toBe(expected);
      }
    }
    expect(blocks).toBeGreaterThan(300);
  });
});
