/**
 * Golden files for every target's plan: paths, modes, roles and exact contents (hosts.toml byte for
 * byte), directories, refresh commands, printed commands, notes and warnings. Regenerate with
 * UPDATE_GOLDEN=1 and review the diff. The CAs and the client pair are fixed fixtures
 * (test/fixtures/trust), so the plan is the same bytes on every run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { REPO } from "../../helpers/cli.js";
import { readGolden } from "../../helpers/golden.js";
import { planTrust, type PlanTrustOptions } from "../../../src/trust/plan.js";
import { renderHostsToml } from "../../../src/trust/containerd.js";
import type { TrustPlan } from "../../../src/trust/types.js";

const fixture = (name: string) => readFileSync(join(REPO, "test", "fixtures", "trust", name), "utf8");
const CA_A = fixture("ca-a.crt");
const CA_B = fixture("ca-b.crt");
const CLIENT_CERT = fixture("client-a.crt");
const CLIENT_KEY = fixture("client-a.key");
const HOSTS = ["registry.local:5000", "192.168.0.12:5000", "[fd00::12]:5000", "registry.example"];
/** A buildkitd.toml with the operator's own settings (kept byte for byte by the merge). */
const BUILDKITD_TOML = fixture("buildkitd.toml");

/** A plan as reviewable text; the client key's bytes are elided (they are the fixture's, checked separately). */
export function renderPlan(plan: TrustPlan): string {
  const out: string[] = [`root: ${plan.root}`, `user: ${plan.userHome ?? "-"}`, `hosts: ${plan.hosts.map((h) => h.hostPort).join(" ")}`, `targets: ${plan.targets.join(" ")}`];
  out.push(`cas: ${plan.cas.map((c) => `${c.id} ${c.commonName}`).join("; ")}`);
  out.push("", "directories:");
  for (const d of plan.directories) out.push(`  ${d.mode.toString(8).padStart(4, "0")} ${d.base}:${d.path}`);
  out.push("requires:");
  for (const r of plan.requires) out.push(`  ${r.base}:${r.path}  (${r.message})`);
  out.push("refresh:");
  for (const r of plan.refresh) out.push(`  ${r.target} [${r.run}] install: ${r.install.join(" ")} | uninstall: ${r.uninstall.join(" ")}  # ${r.why}`);
  out.push("printed:");
  for (const p of plan.printed) {
    for (const l of p.install) out.push(`  ${p.target} install: ${l}`);
    for (const l of p.uninstall) out.push(`  ${p.target} uninstall: ${l}`);
  }
  out.push("notes:", ...plan.notes.map((n) => `  ${n}`), "warnings:", ...plan.warnings.map((w) => `  ${w}`), "");
  for (const f of plan.files) {
    out.push(`=== ${f.base}:${f.path}  mode ${f.mode.toString(8).padStart(4, "0")}  ${f.role}  ${f.ownership}  guard ${f.guard}`);
    out.push(f.role === "client-key" ? `(client key: ${f.contents === CLIENT_KEY ? "the fixture's key" : "OTHER KEY"})` : f.contents.trimEnd());
  }
  return `${out.join("\n")}\n`;
}

const base: PlanTrustOptions = { hosts: HOSTS, caPem: CA_A, targets: [], root: "/" };

const cases: Array<[string, Partial<PlanTrustOptions>]> = [
  ["docker", { targets: ["docker"] }],
  ["docker-client", { targets: ["docker"], clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY }],
  ["docker-rollover", { targets: ["docker"], caPem: CA_B + CA_A, hosts: ["registry.local:5000"] }],
  ["containerd", { targets: ["containerd"] }],
  ["containerd-client-configured", { targets: ["containerd"], clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY, hosts: ["registry.local:5000"], existing: { "/etc/containerd/config.toml": { contents: 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n', mode: 0o644 } } }],
  ["containerd-v3", { targets: ["containerd"], hosts: ["registry.local:5000"], existing: { "/etc/containerd/config.toml": { contents: "version = 3\n", mode: 0o644 } } }],
  ["containers", { targets: ["containers"] }],
  ["system-debian", { targets: ["system"], caPem: CA_A + CA_B }],
  ["system-rhel", { targets: ["system"], systemFamily: "rhel" }],
  ["k3s", { targets: ["k3s"], hosts: ["registry.local:5000", "registry.example"] }],
  ["k3s-client-merge", { targets: ["k3s"], hosts: ["registry.local:5000"], clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY, existing: { "/etc/rancher/k3s/registries.yaml": { contents: "# site registries\nmirrors:\n  docker.io:\n    endpoint:\n      - https://mirror.internal:5000\nconfigs:\n  mirror.internal:5000:\n    auth:\n      username: puller\n      password: secret\n", mode: 0o640 } } }],
  ["microk8s", { targets: ["microk8s"], hosts: ["registry.local:5000"] }],
  ["macos-windows", { targets: ["macos", "windows"], hosts: ["registry.local:5000"], caFileName: "/home/op/ca.crt" }],
  ["macos-windows-rollover", { targets: ["macos", "windows"], hosts: ["registry.local:5000"], caPem: CA_B + CA_A }],
  ["user", { targets: ["docker", "containers"], hosts: ["registry.local:5000"], user: { home: "/home/op" } }],
  ["desktop", { targets: ["desktop"], hosts: ["registry.local:5000"], user: { home: "/home/op" }, clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY }],
  ["nerdctl", { targets: ["nerdctl"], hosts: ["registry.local:5000", "[fd00::12]:5000"], user: { home: "/home/op" } }],
  ["buildkit", { targets: ["buildkit"], hosts: ["registry.local:5000", "registry.example"], clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY }],
  ["buildkit-merge", { targets: ["buildkit"], hosts: ["registry.local:5000"], existing: { "/etc/buildkit/buildkitd.toml": { contents: BUILDKITD_TOML, mode: 0o640 } } }],
  ["kind", { targets: ["kind"], hosts: ["registry.local:5000", "[fd00::12]:5000"] }],
  ["minikube", { targets: ["minikube"], hosts: ["registry.local:5000"], user: { home: "/home/op" }, caPem: CA_A + CA_B }],
  ["k3d", { targets: ["k3d"], hosts: ["registry.local:5000"], user: { home: "/home/op" } }],
  ["windows-root", { targets: ["windows"], hosts: ["registry.local:5000", "[fd00::12]:5000", "registry.example"], root: "/mnt/c" }],
  ["all-under-root", { targets: ["docker", "containerd", "containers", "system", "k3s", "microk8s"], hosts: ["registry.local:5000"], root: "/srv/image/" }],
];

describe("trust plan golden files", () => {
  test.each(cases)("%s", (name, options) => {
    const plan = planTrust({ ...base, ...options });
    const text = renderPlan(plan);
    expect(text).toBe(readGolden(`trust/${name}.txt`, text));
  });

  test("deterministic: the same input gives the same bytes", () => {
    const options = { ...base, targets: ["docker", "containerd", "k3s", "macos"] as const, clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY };
    expect(JSON.stringify(planTrust({ ...options, targets: [...options.targets] }))).toBe(JSON.stringify(planTrust({ ...options, targets: [...options.targets].reverse() })));
  });

  test("hosts.toml exactly (golden), for a port, for IPv6, and for 443", () => {
    for (const [name, dir] of [["containerd-hosts.toml", "registry.local:5000"], ["containerd-hosts-ipv6.toml", "[fd00::12]:5000"], ["containerd-hosts-443.toml", "registry.example"]] as const) {
      const text = renderHostsToml(dir, false);
      expect(text).toBe(readGolden(`trust/${name}`, text));
    }
    const withClient = renderHostsToml("registry.local:5000", true);
    expect(withClient).toBe(readGolden("trust/containerd-hosts-client.toml", withClient));
  });

  test("hosts.toml parses as TOML with containerd's documented keys only", () => {
    const allowedHostKeys = new Set(["capabilities", "ca", "client", "skip_verify", "header", "override_path"]);
    for (const dir of ["registry.local:5000", "[fd00::12]:5000", "registry.example", "registry.example:443"]) {
      for (const withClient of [false, true]) {
        const doc = parseToml(renderHostsToml(dir, withClient)) as Record<string, unknown>;
        expect(doc.server).toBe(`https://${dir}`);
        const hosts = doc.host as Record<string, Record<string, unknown>>;
        let table: Record<string, unknown>;
        if (dir.startsWith("[")) {
          // IPv6: settings on the server entry and the host entry as dotted keys (go-toml v1 cannot parse "]" in a table header)
          expect(Object.keys(doc).sort()).toEqual(["ca", "capabilities", "host", "server", ...(withClient ? ["client"] : [])].sort());
          expect(Object.keys(hosts)).toEqual([`https://${dir}`]);
          const { server: _server, host: _host, ...rootSettings } = doc;
          expect(hosts[`https://${dir}`]).toEqual(rootSettings);
          table = doc;
          expect(renderHostsToml(dir, withClient)).not.toMatch(/^\[host\.[^\n]*\]\]?$/m);
        } else {
          expect(Object.keys(doc).sort()).toEqual(["host", "server"]);
          expect(Object.keys(hosts)).toEqual([`https://${dir}`]);
          table = hosts[`https://${dir}`] as Record<string, unknown>;
        }
        for (const key of Object.keys(table)) expect(allowedHostKeys.has(key) || key === "server" || key === "host").toBe(true);
        expect(table.capabilities).toEqual(["pull", "resolve", "push"]);
        expect(table.ca).toBe("ca.crt");
        if (withClient) expect(table.client).toEqual([["client.cert", "client.key"]]);
        else expect(table.client).toBeUndefined();
        // the URL must be what Go's url.Parse gives back as scheme + host (containerd parseHostConfig)
        const url = new URL(`https://${dir}`);
        expect(url.protocol).toBe("https:");
        expect(url.host).toBe(dir.endsWith(":443") ? dir.slice(0, -4) : dir);
      }
    }
  });

  test("k3s registries.yaml keeps the file's other entries and adds exactly ours", () => {
    const options = cases.find(([n]) => n === "k3s-client-merge")?.[1] as Partial<PlanTrustOptions>;
    const plan = planTrust({ ...base, ...options });
    const yamlFile = plan.files.find((f) => f.role === "registries-yaml");
    expect(yamlFile?.mode).toBe(0o640);
    const doc = parseYaml(yamlFile?.contents ?? "") as Record<string, Record<string, unknown>>;
    expect(doc.mirrors?.["docker.io"]).toEqual({ endpoint: ["https://mirror.internal:5000"] });
    expect(doc.configs?.["mirror.internal:5000"]).toEqual({ auth: { username: "puller", password: "secret" } });
    expect(doc.configs?.["registry.local:5000"]).toEqual({
      tls: {
        ca_file: "/etc/rancher/k3s/regcert/registry.local:5000/ca.crt",
        cert_file: "/etc/rancher/k3s/regcert/registry.local:5000/client.cert",
        key_file: "/etc/rancher/k3s/regcert/registry.local:5000/client.key",
      },
    });
    expect(doc.mirrors?.["registry.local:5000"]).toEqual({ endpoint: ["https://registry.local:5000"] });
    expect(yamlFile?.contents.startsWith("# site registries\n")).toBe(true);
  });

  test("every ca.crt holds exactly the given CAs, in order; no key ever lands in a ca file", () => {
    const plan = planTrust({ ...base, caPem: CA_B + CA_A, targets: ["docker", "containerd", "containers", "k3s", "microk8s", "system"], clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY });
    for (const f of plan.files) {
      if (f.role === "ca-bundle") expect(f.contents).toBe(CA_B + CA_A);
      if (f.role !== "client-key") expect(f.contents).not.toMatch(/PRIVATE KEY/);
      if (f.role === "client-key") expect(f.mode).toBe(0o600);
    }
    expect(plan.files.filter((f) => f.role === "ca").map((f) => f.contents)).toEqual([CA_B, CA_A]);
  });
});
