/**
 * The targets of issue 13 judged against their projects' own types, read from source and committed
 * as test data (test/fixtures/upstream/{buildkit,kind,k3d,containerd-2-hosts}.json): BuildKit's
 * buildkitd.toml registry keys, kind's v1alpha4 Cluster, k3d's registries config (wharfie), containerd's
 * Windows directory names. Also the merge contract (existing content kept byte for byte, refusals).
 */
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { REPO } from "../../helpers/cli.js";
import { RegcertError } from "../../../src/pki/errors.js";
import { mergeBuildkitToml, unmergeBuildkitToml } from "../../../src/trust/buildkit.js";
import { planTrust, planTrustRemoval, type PlanTrustOptions } from "../../../src/trust/plan.js";
import { windowsDirectoryNames } from "../../../src/trust/windows.js";

const upstream = (name: string) => JSON.parse(readFileSync(join(REPO, "test/fixtures/upstream", name), "utf8")) as Record<string, any>;
const buildkit = upstream("buildkit.json");
const kind = upstream("kind.json");
const k3d = upstream("k3d.json");
const CA = readFileSync(join(REPO, "test/fixtures/trust/ca-a.crt"), "utf8");
const CLIENT_CERT = readFileSync(join(REPO, "test/fixtures/trust/client-a.crt"), "utf8");
const CLIENT_KEY = readFileSync(join(REPO, "test/fixtures/trust/client-a.key"), "utf8");
const BUILDKITD_TOML = readFileSync(join(REPO, "test/fixtures/trust/buildkitd.toml"), "utf8");
const base: PlanTrustOptions = { hosts: ["registry.local:5000", "[fd00::12]:5000", "registry.example"], caPem: CA, targets: [] };

function expectUserError(fn: () => unknown, pattern: RegExp): RegcertError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RegcertError);
    expect((error as RegcertError).exitCode).toBe(2);
    expect((error as RegcertError).message).toMatch(pattern);
    expect((error as RegcertError).hint).toBeTruthy();
    return error as RegcertError;
  }
  throw new Error("no error thrown");
}

describe(`buildkit (moby/buildkit ${buildkit.commit.slice(0, 12)})`, () => {
  const plan = planTrust({ ...base, targets: ["buildkit"], clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY, existing: { "/etc/buildkit/buildkitd.toml": { contents: BUILDKITD_TOML, mode: 0o640 } } });
  const toml = plan.files.find((f) => f.role === "buildkitd-toml");

  test("buildkitd.toml: only BuildKit's keys, ca and keypair name files the plan writes", () => {
    expect(toml?.path).toBe(buildkit.defaultConfigPath);
    const doc = parseToml(toml?.contents ?? "") as Record<string, any>;
    for (const key of Object.keys(doc)) expect(Object.keys(buildkit.keys)).toContain(key);
    const planned = new Set(plan.files.map((f) => f.path));
    for (const name of plan.hosts.flatMap((h) => h.directoryNames)) {
      const entry = doc.registry[name] as Record<string, any>;
      for (const key of Object.keys(entry)) expect(Object.keys(buildkit.registryKeys)).toContain(key);
      expect(entry.ca).toHaveLength(1);
      expect(planned.has(entry.ca[0])).toBe(true);
      expect(entry.keypair).toHaveLength(1);
      for (const key of Object.keys(entry.keypair[0])) expect(Object.keys(buildkit.registryKeys.keypair[0])).toContain(key);
      expect(planned.has(entry.keypair[0].key) && planned.has(entry.keypair[0].cert)).toBe(true);
    }
    expect(doc.registry["docker.io"]).toEqual({ mirrors: ["mirror.internal:5000"] });
    expect(doc.worker).toEqual({ oci: { "max-parallelism": 4 } });
  });

  test("merge keeps the operator's file byte for byte, is idempotent, and uninstall gives the file back", () => {
    expect(toml?.contents.startsWith(BUILDKITD_TOML)).toBe(true);
    const entries = [{ name: "registry.local:5000", dir: "/etc/buildkit/certs.d/registry.local:5000" }];
    const once = mergeBuildkitToml(BUILDKITD_TOML, "/etc/buildkit/buildkitd.toml", entries, false);
    expect(mergeBuildkitToml(once, "/etc/buildkit/buildkitd.toml", entries, false)).toBe(once);
    expect(unmergeBuildkitToml(once, ["registry.local:5000"])).toBe(BUILDKITD_TOML);
    const fresh = mergeBuildkitToml(undefined, "/etc/buildkit/buildkitd.toml", entries, false);
    expect(unmergeBuildkitToml(fresh, ["registry.local:5000"])).toBeNull();
    const removal = planTrustRemoval(plan, (path) => (path === toml?.path ? { contents: toml.contents, mode: 0o640 } : undefined));
    expect(removal.rewrite.map((f) => f.contents)).toEqual([BUILDKITD_TOML]);
  });

  test("refusals: a file that does not parse (with the parser's line), or one that configures the registry itself", () => {
    const broken = "debug = true\n[registry.\"x\"\n";
    expectUserError(() => planTrust({ ...base, targets: ["buildkit"], existing: { "/etc/buildkit/buildkitd.toml": { contents: broken, mode: 0o644 } } }), /buildkitd\.toml is not valid TOML \(line 2, column \d+/);
    const own = '[registry."registry.local:5000"]\n  insecure = true\n';
    expectUserError(() => planTrust({ ...base, targets: ["buildkit"], existing: { "/etc/buildkit/buildkitd.toml": { contents: own, mode: 0o644 } } }), /already configures registry "registry.local:5000"/);
    expectUserError(() => planTrust({ ...base, targets: ["buildkit"], existing: { "/etc/buildkit/buildkitd.toml": { contents: 'registry = "x"\n', mode: 0o644 } } }), /not valid TOML/);
  });

  test("--user: ~/.config/buildkit, and the buildx line names that file", () => {
    const user = planTrust({ ...base, targets: ["buildkit"], user: { home: "/home/op" } });
    expect(user.files.find((f) => f.role === "buildkitd-toml")?.path).toBe("/home/op/.config/buildkit/buildkitd.toml");
    expect(user.printed[0]?.install[0]).toBe("docker buildx create --name regcert --driver docker-container --config /home/op/.config/buildkit/buildkitd.toml --bootstrap --use");
  });
});

/** Every key path of `value` not in `tree` ("map:" accepts anything below; "*" matches any key). */
function unknownKeys(value: unknown, tree: any, path: string[] = []): string[] {
  if (typeof tree === "string") return tree.startsWith("map:") || value === null || typeof value !== "object" ? [] : [path.join(".")];
  if (Array.isArray(tree)) return Array.isArray(value) ? value.flatMap((v, i) => unknownKeys(v, tree[0], [...path, String(i)])) : [path.join(".")];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const sub = tree[k] ?? tree["*"];
    return sub === undefined ? [[...path, k].join(".")] : unknownKeys(v, sub, [...path, k]);
  });
}

describe(`kind (kubernetes-sigs/kind ${kind.commit.slice(0, 12)})`, () => {
  test("the fragment is a v1alpha4 Cluster with known keys; every mount is a planned certs.d directory without ':'", () => {
    const plan = planTrust({ ...base, targets: ["kind"] });
    const file = plan.files.find((f) => f.role === "cluster-config");
    const config = parseYaml(file?.contents ?? "") as Record<string, any>;
    expect(unknownKeys(config, kind.keys)).toEqual([]);
    expect(kind.allowed.apiVersion).toContain(config.apiVersion);
    expect(kind.allowed.kind).toContain(config.kind);
    for (const node of config.nodes) {
      expect(kind.allowed["nodes.role"]).toContain(node.role);
      for (const m of node.extraMounts) {
        expect(m.hostPath).not.toContain(":");
        expect(m.containerPath).toBe(posix.join("/etc/containerd/certs.d", posix.basename(m.hostPath)));
        expect(plan.files.some((f) => f.path === posix.join(m.hostPath, "hosts.toml"))).toBe(true);
        expect(plan.files.some((f) => f.path === posix.join(m.hostPath, "ca.crt"))).toBe(true);
      }
    }
    expect(config.nodes[0].extraMounts.map((m: { containerPath: string }) => posix.basename(m.containerPath))).toEqual(["registry.local_5000_", "registry.example", "registry.example_443_"]);
    expect(plan.warnings.join("\n")).toContain("[fd00::12]:5000 not mounted");
  });
});

describe(`k3d (k3d-io/k3d ${k3d.commit.slice(0, 12)}, wharfie ${k3d.registryType.commit.slice(0, 12)})`, () => {
  test("registries.yaml has only wharfie's keys; ca_file is a node path under the --volume mount of the planned CA files", () => {
    const plan = planTrust({ ...base, targets: ["k3d"] });
    const file = plan.files.find((f) => f.role === "registries-yaml");
    const config = parseYaml(file?.contents ?? "") as Record<string, any>;
    expect(unknownKeys(config, k3d.keys)).toEqual([]);
    const volume = /--volume (\S+):(\S+)@all$/.exec(plan.printed[0]?.install[0] ?? "");
    expect(volume).not.toBeNull();
    const [, hostDir = "", nodeDir = ""] = volume ?? [];
    for (const [name, entry] of Object.entries(config.configs as Record<string, any>)) {
      const caFile = entry.tls.ca_file as string;
      expect(caFile.startsWith(`${nodeDir}/`)).toBe(true);
      expect(plan.files.some((f) => f.path === posix.join(hostDir, caFile.slice(nodeDir.length + 1)))).toBe(true);
      expect(name).toBe(posix.basename(posix.dirname(caFile)));
    }
  });

  test("a registries file that does not parse is refused with the parser's line", () => {
    expectUserError(() => planTrust({ ...base, targets: ["k3d"], existing: { "/etc/regcert/k3d/registries.yaml": { contents: "configs:\n  a: [\n", mode: 0o600 } } }), /registries\.yaml is not valid YAML .*line/);
  });
});

describe("windows", () => {
  test("directory names follow containerd's Windows lookup (host_port_ then hostport, ':' removed)", () => {
    const rules = upstream("containerd-2-hosts.json").hostPathsWindows as string[];
    expect(rules[0]).toContain("_<port>_");
    expect(windowsDirectoryNames("registry.local:5000")).toEqual(["registry.local_5000_", "registry.local5000"]);
    expect(windowsDirectoryNames("[fd00::12]:5000")).toEqual(["[fd0012]_5000_", "[fd0012]5000"]);
    expect(windowsDirectoryNames("registry.example")).toEqual(["registry.example"]);
  });

  test("without --root nothing is written (printed only); with --root the directories are under it", () => {
    const printedOnly = planTrust({ ...base, targets: ["windows"] });
    expect(printedOnly.files).toEqual([]);
    expect(printedOnly.directories).toEqual([]);
    expect(printedOnly.printed[0]?.install.join("\n")).toContain("C:\\ProgramData\\docker\\certs.d\\registry.local_5000_");
    const rooted = planTrust({ ...base, targets: ["windows"], root: "/mnt/c" });
    expect(rooted.files.map((f) => f.path)).toContain("/ProgramData/docker/certs.d/registry.local_5000_/ca.crt");
    // a Windows name cannot hold ':' (IPv6 addresses lose theirs, as containerd looks them up)
    expect(rooted.files.filter((f) => f.path.includes(":"))).toEqual([]);
  });
});

describe("home-only targets", () => {
  test.each(["desktop", "nerdctl", "minikube"] as const)("%s without --user: exit 2 with the --user hint", (target) => {
    const error = expectUserError(() => planTrust({ ...base, targets: [target] }), /home directory/);
    expect(error.hint).toContain("--user");
  });

  test("nerdctl writes the containerd hosts.toml under the user's config dir", () => {
    const plan = planTrust({ ...base, targets: ["nerdctl"], user: { home: "/home/op", configHome: "/home/op/.cfg" } });
    expect(plan.files.filter((f) => f.role === "hosts-toml").map((f) => f.path)).toEqual([
      "/home/op/.cfg/containerd/certs.d/registry.local:5000/hosts.toml",
      "/home/op/.cfg/containerd/certs.d/[fd00::12]:5000/hosts.toml",
      "/home/op/.cfg/containerd/certs.d/registry.example/hosts.toml",
      "/home/op/.cfg/containerd/certs.d/registry.example:443/hosts.toml",
    ]);
  });
});
