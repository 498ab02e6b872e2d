/**
 * One plan, rendered two ways: the node-trust DaemonSet's script, run by busybox `sh` (with only
 * busybox applets on PATH, as in the busybox image) against a temp dir standing in for the node's /,
 * must produce byte for byte the tree `regcert install-trust --root DIR` writes for the same targets
 * and hosts (file bytes, file modes, directory modes), and a second run must change nothing.
 * The ConfigMap volume is reproduced as kubelet lays it out (keys are symlinks into ..data/).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { treeState } from "../helpers/tree.js";
import { runTool, toolAvailable } from "../helpers/run-tool.js";

const BUSYBOX = toolAvailable("busybox");
const maybe = BUSYBOX ? describe : describe.skip;
/** absolute: the script runs with a PATH that holds only the applet links */
const BUSYBOX_BIN = BUSYBOX ? spawnSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).stdout.trim() : "busybox";
if (!BUSYBOX) console.warn("busybox not found: apt-get install -y busybox (the DaemonSet script test is skipped)");

const ws = tempWorkspace("regcert-k8s-script-");
afterAll(() => ws.cleanup());

const HOSTS = ["registry.local:5000", "192.168.0.12:5000", "[fd00::1]:5000", "registry.local"];
const TARGETS = "docker,containerd,containers";
const APPLETS = ["sh", "printf", "cmp", "cat", "chmod", "mkdir", "mv", "rm", "stat", "sleep", "[", "test"];

/** A PATH with nothing but busybox applets: the script must not lean on GNU tools. */
function busyboxPath(): string {
  const bin = join(ws.dir, "busybox-bin");
  if (!existsSync(bin)) {
    mkdirSync(bin);
    for (const applet of APPLETS) symlinkSync(BUSYBOX_BIN, join(bin, applet));
  }
  return bin;
}

async function ok(args: string[]): Promise<string> {
  const result = await runCli(args, { cwd: ws.dir, env: ws.env });
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

/** Lays the ConfigMap's data out like kubelet's atomic writer: SRC/..<ts>/KEY, SRC/..data -> ..<ts>, SRC/KEY -> ..data/KEY. */
function configMapVolume(data: Record<string, string>): string {
  const src = mkdtempSync(join(ws.dir, "cm-"));
  const ts = join(src, "..2026_11_24_00_00_00.000000001");
  mkdirSync(ts);
  for (const [key, value] of Object.entries(data)) {
    writeFileSync(join(ts, key), value);
    chmodSync(join(ts, key), 0o444);
  }
  symlinkSync("..2026_11_24_00_00_00.000000001", join(src, "..data"));
  for (const key of Object.keys(data)) symlinkSync(join("..data", key), join(src, key));
  return src;
}

function runScript(src: string, root: string, mode: string, extraEnv: NodeJS.ProcessEnv = {}) {
  return runTool(BUSYBOX_BIN, ["sh", join(src, "install.sh"), mode], {
    replaceEnv: true,
    env: { PATH: busyboxPath(), REGCERT_ROOT: root, REGCERT_SRC: src, ...extraEnv },
  });
}

function mtimes(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = statSync(path);
      out[path] = st.mtimeMs;
      if (st.isDirectory()) walk(path);
    }
  };
  walk(root);
  return out;
}

maybe("node-trust script (busybox sh) vs install-trust --root", () => {
  let caPath: string;
  let data: Record<string, string>;
  let src: string;
  let expected: Record<string, string>;

  beforeAll(async () => {
    await ok(["init-ca", "--cn", "script test CA"]);
    caPath = join(ws.home, "ca.crt");
    const a = join(ws.dir, "install-trust-root");
    mkdirSync(a);
    await ok(["install-trust", "--root", a, "--target", TARGETS, "--ca", caPath, ...HOSTS.flatMap((h) => ["--host", h])]);
    expected = treeState(a);
    const yaml = await ok(["k8s", "node-trust", "--target", TARGETS, "--ca", caPath, ...HOSTS.flatMap((h) => ["--host", h])]);
    const docs = parseAllDocuments(yaml).map((d) => d.toJS() as { kind: string; data?: Record<string, string> });
    data = docs.find((d) => d.kind === "ConfigMap")?.data ?? {};
    src = configMapVolume(data);
  });

  test("install-trust wrote a real tree to compare against (5 registry dirs × 3 targets)", () => {
    const files = Object.entries(expected).filter(([, v]) => v.startsWith("file "));
    // docker + containers: ca.crt per dir; containerd: ca.crt + hosts.toml; 443 gives two dirs
    expect(files).toHaveLength(5 * 2 + 5 * 2);
    expect(Object.keys(expected)).toContain("etc/containerd/certs.d/[fd00::1]:5000/hosts.toml");
    expect(Object.keys(expected)).toContain("etc/docker/certs.d/registry.local:443/ca.crt");
  });

  test("busybox sh writes the same files, modes and directories, byte for byte", async () => {
    const b = mkdtempSync(join(ws.dir, "node-root-"));
    const result = await runScript(src, b, "install");
    expect(result.stderr).toContain("regcert: wrote /etc/containerd/certs.d/[fd00::1]:5000/hosts.toml");
    expect(result.code).toBe(0);
    expect(treeState(b)).toEqual(expected);
  });

  test("a second run changes nothing (same tree, same mtimes, nothing logged); check passes", async () => {
    const b = mkdtempSync(join(ws.dir, "node-root-"));
    expect((await runScript(src, b, "install")).code).toBe(0);
    const before = mtimes(b);
    await new Promise((r) => setTimeout(r, 20));
    const again = await runScript(src, b, "install");
    expect(again.code).toBe(0);
    expect(again.stderr).toBe("");
    expect(mtimes(b)).toEqual(before);
    expect(treeState(b)).toEqual(expected);
    expect((await runScript(src, b, "check")).code).toBe(0);
  });

  test("readiness: check fails while a file is edited, wrong mode or missing; install repairs it", async () => {
    const b = mkdtempSync(join(ws.dir, "node-root-"));
    expect((await runScript(src, b, "check")).code).toBe(1);
    expect((await runScript(src, b, "install")).code).toBe(0);
    const hostsToml = join(b, "etc/containerd/certs.d/registry.local:5000/hosts.toml");
    writeFileSync(hostsToml, "server = \"http://evil\"\n");
    chmodSync(join(b, "etc/docker/certs.d/192.168.0.12:5000/ca.crt"), 0o600);
    rmSync(join(b, "etc/containers/certs.d/registry.local/ca.crt"));
    const check = await runScript(src, b, "check");
    expect(check.code).toBe(1);
    expect(check.stderr.split("\n").filter(Boolean).sort()).toEqual([
      "regcert: not in place: /etc/containerd/certs.d/registry.local:5000/hosts.toml",
      "regcert: not in place: /etc/containers/certs.d/registry.local/ca.crt",
      "regcert: not in place: /etc/docker/certs.d/192.168.0.12:5000/ca.crt",
    ]);
    expect((await runScript(src, b, "install")).code).toBe(0);
    expect(treeState(b)).toEqual(expected);
  });

  test("a symlink at or below a certs.d directory is refused and nothing is written through it", async () => {
    const b = mkdtempSync(join(ws.dir, "node-root-"));
    const elsewhere = mkdtempSync(join(ws.dir, "elsewhere-"));
    mkdirSync(join(b, "etc/docker/certs.d"), { recursive: true });
    symlinkSync(elsewhere, join(b, "etc/docker/certs.d/registry.local:5000"));
    const result = await runScript(src, b, "install");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("refusing to write through the symlink /etc/docker/certs.d/registry.local:5000");
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test("run mode installs, keeps running, and exits 0 on SIGTERM (the pod's stop)", async () => {
    const b = mkdtempSync(join(ws.dir, "node-root-"));
    const { spawn } = await import("node:child_process");
    const child = spawn(BUSYBOX_BIN, ["sh", join(src, "install.sh"), "run"], { env: { PATH: busyboxPath(), REGCERT_ROOT: b, REGCERT_SRC: src, REGCERT_INTERVAL: "1" } });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    for (let i = 0; i < 100 && treeState(b)["etc/containers/certs.d/registry.local/ca.crt"] === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500)); // at least one re-check round
    expect(treeState(b)).toEqual(expected);
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    const code = await exited;
    clearTimeout(killer);
    expect(code).toBe(0);
  });
});

test("the ConfigMap keys map back to the plan's paths (decodeKeyPart is the inverse of the encoding)", async () => {
  const { encodeKeyPart, decodeKeyPart } = await import("../../src/k8s/node-trust.js");
  for (const name of ["registry.local:5000", "[fd00::1]:5000", "192.168.0.12:5000", "a_b", "registry.local"]) {
    const key = encodeKeyPart(name);
    expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
    expect(decodeKeyPart(key)).toBe(name);
  }
  expect(encodeKeyPart("[fd00::1]:5000")).toBe("_5bfd00_3a_3a1_5d_3a5000");
});
