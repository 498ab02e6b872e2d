/**
 * install-trust end to end with real clients: the Debian docker-registry serves a regcert
 * certificate on loopback; `install-trust --root TMP` writes the trust; then
 * - skopeo pushes and pulls through TMP/etc/containers/certs.d/HOST:PORT and TMP/etc/docker/certs.d/…;
 * - a containerd daemon (started here as root: temp root/state/socket, CRI disabled) with
 *   `ctr images pull --hosts-dir TMP/etc/containerd/certs.d` pulls through our hosts.toml, by IPv4,
 *   by name and by [::1]:PORT, which also proves the directory naming containerd looks up;
 * - mTLS: a registry with http.tls.clientcas accepts the installed client pair and refuses without it;
 * - uninstall leaves the root as it was, and the trust is gone (the same pulls then fail).
 * Nothing outside temp dirs is written: a stub update-ca-certificates is first on PATH, and the
 * machine's CA bundle and certs.d directories are compared before and after.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { type Workspace, workspacePool } from "../helpers/workspace.js";
import { makeOciImage, type OciLayoutInfo } from "../helpers/oci.js";
import { stringify } from "yaml";
import { registryConfig, type RunningRegistry, startRegistry } from "../helpers/registry.js";
import { runTool, type ToolResult } from "../helpers/run-tool.js";
import { skopeoCopy } from "../helpers/skopeo.js";
import { treeState } from "../helpers/tree.js";

const SLOW = 180_000;

const registries: RunningRegistry[] = [];
let image: OciLayoutInfo;
let ws: Workspace;
let stubDir: string;

const SYSTEM_PATHS = ["/etc/ssl/certs/ca-certificates.crt", "/etc/docker", "/etc/containers", "/etc/containerd", "/usr/local/share/ca-certificates", "/opt/containerd"];
function systemState(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of SYSTEM_PATHS) out[path] = existsSync(path) ? (statSync(path).isDirectory() ? treeState(path) : readFileSync(path).toString("base64")) : null;
  return out;
}
let systemBefore: Record<string, unknown>;

const workspace = workspacePool(undefined, { cleanupAfterAll: false });

async function regcert(args: string[], input?: string): Promise<string> {
  const result = await runCli(args, { cwd: ws.dir, env: { ...ws.env, PATH: `${stubDir}:${process.env.PATH ?? ""}`, SUDO_USER: "" }, ...(input === undefined ? {} : { input }) });
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function explain(result: ToolResult, registry?: RunningRegistry): string {
  return `${result.command}\nexit ${result.code}\n${result.stdout}\n${result.stderr}${registry ? `\n--- registry log tail ---\n${registry.logs().slice(-2000)}` : ""}`;
}
function expectSuccess(result: ToolResult, registry?: RunningRegistry): void {
  if (result.code !== 0) throw new Error(`expected exit 0:\n${explain(result, registry)}`);
}
function expectFailure(result: ToolResult, pattern: RegExp): void {
  if (result.code === 0 || !pattern.test(`${result.stdout}\n${result.stderr}`)) throw new Error(`expected a failure matching ${pattern}:\n${explain(result)}`);
}

/** A root with /etc (a real root has one) to install into. */
function freshRoot(name: string): string {
  const root = join(ws.dir, name);
  mkdirSync(join(root, "etc"), { recursive: true });
  return root;
}

beforeAll(async () => {
  systemBefore = systemState();
  ws = workspace("regcert-trust-e2e-");
  stubDir = join(ws.dir, "stub-bin");
  mkdirSync(stubDir);
  for (const name of ["update-ca-certificates", "update-ca-trust"]) {
    writeFileSync(join(stubDir, name), `#!/bin/sh\necho "${name} $*" >> '${join(ws.dir, "stub.log")}'\n`);
    chmodSync(join(stubDir, name), 0o755);
  }
  image = makeOciImage(join(ws.dir, "image"), { files: { "hello.txt": "hello from the install-trust e2e test\n" } });
  await regcert(["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--ip", "::1", "--out", "certs"]);
  await regcert(["issue", "--client", "--cn", "e2e-client", "--name", "client", "--out", "certs"]);
}, SLOW);

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  await stopContainerd();
  const stubUsed = existsSync(join(ws.dir, "stub.log"));
  workspace.cleanup();
  expect(systemState()).toEqual(systemBefore);
  expect(stubUsed).toBe(false);
}, SLOW);

async function serve(options: { host?: "127.0.0.1" | "::1"; mtls?: boolean } = {}): Promise<RunningRegistry> {
  const certs = join(ws.dir, "certs");
  const registry = await startRegistry({
    host: options.host ?? "127.0.0.1",
    tls: { certificate: join(certs, "registry.crt"), key: join(certs, "registry.key"), ...(options.mtls ? { clientCas: [join(certs, "ca.crt")] } : {}) },
  });
  registries.push(registry);
  return registry;
}

describe("skopeo through the containers and docker certs.d regcert wrote", () => {
  test("push via etc/containers/certs.d/127.0.0.1:PORT, pull via etc/docker/certs.d/localhost:PORT; after uninstall both fail", async () => {
    const registry = await serve();
    const root = freshRoot("root-skopeo");
    const pristine = treeState(root);
    const byIp = `127.0.0.1:${registry.port}`;
    const byName = `localhost:${registry.port}`;
    const args = ["install-trust", "--root", root, "--target", "containers,docker", "--host", byIp, "--host", byName, "--ca", join(ws.dir, "certs", "ca.crt")];
    await regcert(args);
    const containersDir = join(root, "etc/containers/certs.d", byIp);
    const dockerDir = join(root, "etc/docker/certs.d", byName);
    expectSuccess(await skopeoCopy(image.reference, `docker://${byIp}/e2e/hello:v1`, { destCertDir: containersDir }), registry);
    expectSuccess(await skopeoCopy(`docker://${byName}/e2e/hello:v1`, `oci:${join(ws.dir, "back-skopeo")}:v1`, { srcCertDir: dockerDir }), registry);
    // negative control: the same client without our trust is refused
    const empty = join(ws.dir, "empty-certs");
    mkdirSync(empty, { recursive: true });
    expectFailure(await skopeoCopy(image.reference, `docker://${byIp}/e2e/hello:v2`, { destCertDir: empty }), /certificate signed by unknown authority/);

    await regcert([...args, "--uninstall"]);
    expect(treeState(root)).toEqual(pristine);
    expectFailure(await skopeoCopy(image.reference, `docker://${byIp}/e2e/hello:v3`, { destCertDir: containersDir }), /certificate signed by unknown authority/);
  }, SLOW);

  test("mTLS: with the installed client pair the push works; without it the registry refuses", async () => {
    const registry = await serve({ mtls: true });
    const hostPort = `127.0.0.1:${registry.port}`;
    const withPair = freshRoot("root-mtls");
    const without = freshRoot("root-mtls-none");
    const ca = join(ws.dir, "certs", "ca.crt");
    await regcert(["install-trust", "--root", withPair, "--target", "containers", "--host", hostPort, "--ca", ca, "--client-cert", join(ws.dir, "certs/client.crt"), "--client-key", join(ws.dir, "certs/client.key")]);
    await regcert(["install-trust", "--root", without, "--target", "containers", "--host", hostPort, "--ca", ca]);
    expectSuccess(await skopeoCopy(image.reference, `docker://${hostPort}/e2e/mtls:v1`, { destCertDir: join(withPair, "etc/containers/certs.d", hostPort) }), registry);
    expectFailure(await skopeoCopy(image.reference, `docker://${hostPort}/e2e/mtls:v2`, { destCertDir: join(without, "etc/containers/certs.d", hostPort) }), /bad certificate|certificate required/);
  }, SLOW);
});

// ---- containerd -------------------------------------------------------------------------------

let containerd: ChildProcess | undefined;
let containerdLog = "";
let containerdDir = "";
let containerdSocket = "";

const canRunContainerd = process.getuid?.() === 0 && ["/usr/bin/containerd", "/usr/local/bin/containerd"].some((p) => existsSync(p));

async function startContainerd(): Promise<void> {
  const w = workspace("regcert-ctd-");
  containerdDir = w.dir;
  containerdSocket = join(containerdDir, "c.sock");
  const config = join(containerdDir, "config.toml");
  // everything containerd writes stays in this temp dir: root, state, sockets and the opt plugin (default /opt/containerd)
  writeFileSync(
    config,
    [
      "version = 2",
      `root = "${join(containerdDir, "root")}"`,
      `state = "${join(containerdDir, "state")}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      "[grpc]",
      `  address = "${containerdSocket}"`,
      "[ttrpc]",
      `  address = "${containerdSocket}.ttrpc"`,
      "[debug]",
      '  address = ""',
      "[metrics]",
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(containerdDir, "opt")}"`,
      "",
    ].join("\n"),
  );
  containerd = spawn("containerd", ["--config", config], { stdio: ["ignore", "pipe", "pipe"] });
  containerd.stdout?.on("data", (d) => (containerdLog += d));
  containerd.stderr?.on("data", (d) => (containerdLog += d));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const version = await runTool("ctr", ["--address", containerdSocket, "version"], { timeoutMs: 5_000 });
    if (version.code === 0) return;
    if (containerd.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`containerd did not start:\n${containerdLog.slice(-3000)}`);
}

async function stopContainerd(): Promise<void> {
  const child = containerd;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(killer);
}

function ctrPull(ref: string, hostsDir: string): Promise<ToolResult> {
  return runTool("ctr", ["--address", containerdSocket, "--namespace", "regcert-e2e", "images", "pull", "--snapshotter", "native", "--hosts-dir", hostsDir, ref], { timeoutMs: 60_000 });
}

(canRunContainerd ? describe : describe.skip)("containerd (ctr images pull --hosts-dir) through the hosts.toml regcert wrote", () => {
  let v4: RunningRegistry;
  let v6: RunningRegistry;
  let mtls: RunningRegistry;

  beforeAll(async () => {
    await startContainerd();
    v4 = await serve();
    mtls = await serve({ mtls: true });
    const push = async (registry: RunningRegistry, hostPort: string) => {
      const dir = freshRoot(`push-${registry.port}`);
      await regcert(["install-trust", "--root", dir, "--target", "containers", "--host", hostPort, "--ca", join(ws.dir, "certs/ca.crt"), "--client-cert", join(ws.dir, "certs/client.crt"), "--client-key", join(ws.dir, "certs/client.key")]);
      expectSuccess(await skopeoCopy(image.reference, `docker://${hostPort}/e2e/hello:v1`, { destCertDir: join(dir, "etc/containers/certs.d", hostPort) }), registry);
    };
    await push(v4, `127.0.0.1:${v4.port}`);
    await push(mtls, `127.0.0.1:${mtls.port}`);
    // skopeo 1.9's reference parser rejects "[::1]:PORT/…" ("invalid reference format"), so the IPv6
    // registry serves the IPv4 one's storage (pushed above) instead of being pushed to
    const certs = join(ws.dir, "certs");
    const v6Config = join(ws.dir, "registry-v6.yml");
    writeFileSync(v6Config, stringify(registryConfig({ host: "::1", port: 5000, storageDir: join(v4.dir, "storage"), tls: { certificate: join(certs, "registry.crt"), key: join(certs, "registry.key") } })));
    v6 = await startRegistry({ host: "::1", configPath: v6Config });
    registries.push(v6);
  }, SLOW);

  test("pulls by 127.0.0.1:PORT, localhost:PORT and [::1]:PORT; uninstall restores the root and the pulls fail again", async () => {
    const root = freshRoot("root-containerd");
    const pristine = treeState(root);
    const hosts = [`127.0.0.1:${v4.port}`, `localhost:${v4.port}`, `[::1]:${v6.port}`];
    const args = ["install-trust", "--root", root, "--target", "containerd", ...hosts.flatMap((h) => ["--host", h]), "--ca", join(ws.dir, "certs/ca.crt")];
    await regcert(args);
    const hostsDir = join(root, "etc/containerd/certs.d");
    for (const host of hosts) {
      const pulled = await ctrPull(`${host}/e2e/hello:v1`, hostsDir);
      if (pulled.code !== 0) throw new Error(`${explain(pulled)}\n--- containerd log ---\n${containerdLog.slice(-3000)}`);
    }
    // negative control: an empty hosts dir (containerd speaks plain HTTP to loopback, or lacks our CA)
    const empty = join(ws.dir, "empty-hosts");
    mkdirSync(empty, { recursive: true });
    expectFailure(await ctrPull(`127.0.0.1:${v4.port}/e2e/hello:v1`, empty), /400 Bad Request|unknown authority|server gave HTTP response/);
    expectFailure(await ctrPull(`[::1]:${v6.port}/e2e/hello:v1`, empty), /400 Bad Request|unknown authority|server gave HTTP response/);

    await regcert([...args, "--uninstall"]);
    expect(treeState(root)).toEqual(pristine);
    expectFailure(await ctrPull(`localhost:${v4.port}/e2e/hello:v1`, hostsDir), /400 Bad Request|unknown authority|server gave HTTP response|no such file/);
  }, SLOW);

  test("a registry on 443: `--host localhost` writes localhost and localhost:443; ctr and skopeo find them for references without a port", async () => {
    // the same storage as the IPv4 registry, served on the one port clients do not type
    const certs = join(ws.dir, "certs");
    const config443 = join(ws.dir, "registry-443.yml");
    writeFileSync(config443, stringify(registryConfig({ host: "127.0.0.1", port: 443, storageDir: join(v4.dir, "storage"), tls: { certificate: join(certs, "registry.crt"), key: join(certs, "registry.key") } })));
    const r443 = await startRegistry({ host: "127.0.0.1", port: 443, configPath: config443 }).catch((error: Error) => {
      throw new Error(`this test needs 127.0.0.1:443 (run as root, port free): ${error.message.split("\n")[0]}`);
    });
    registries.push(r443);
    const root = freshRoot("root-443");
    await regcert(["install-trust", "--root", root, "--target", "containerd,containers", "--host", "localhost", "--ca", join(certs, "ca.crt")]);
    expect(existsSync(join(root, "etc/containerd/certs.d/localhost/hosts.toml"))).toBe(true);
    expect(existsSync(join(root, "etc/containerd/certs.d/localhost:443/hosts.toml"))).toBe(true);
    const hostsDir = join(root, "etc/containerd/certs.d");
    for (const ref of ["localhost/e2e/hello:v1", "localhost:443/e2e/hello:v1"]) {
      const pulled = await ctrPull(ref, hostsDir);
      if (pulled.code !== 0) throw new Error(`${explain(pulled, r443)}\n--- containerd log ---\n${containerdLog.slice(-3000)}`);
    }
    const empty = join(ws.dir, "empty-hosts-443");
    mkdirSync(empty, { recursive: true });
    // negative control: without hosts.toml, containerd speaks plain HTTP to localhost (port 80)
    expectFailure(await ctrPull("localhost/e2e/hello:v1", empty), /http:\/\/localhost\/v2\/.*connection refused|unknown authority/);
    expectSuccess(await skopeoCopy("docker://localhost/e2e/hello:v1", `oci:${join(ws.dir, "back-443")}:v1`, { srcCertDir: join(root, "etc/containers/certs.d/localhost") }), r443);
  }, SLOW);

  test("mTLS through hosts.toml's client pair; without it the registry refuses", async () => {
    const hostPort = `127.0.0.1:${mtls.port}`;
    const withPair = freshRoot("root-containerd-mtls");
    const without = freshRoot("root-containerd-mtls-none");
    const ca = join(ws.dir, "certs/ca.crt");
    await regcert(["install-trust", "--root", withPair, "--target", "containerd", "--host", hostPort, "--ca", ca, "--client-cert", join(ws.dir, "certs/client.crt"), "--client-key", join(ws.dir, "certs/client.key")]);
    await regcert(["install-trust", "--root", without, "--target", "containerd", "--host", hostPort, "--ca", ca]);
    const ok = await ctrPull(`${hostPort}/e2e/hello:v1`, join(withPair, "etc/containerd/certs.d"));
    if (ok.code !== 0) throw new Error(`${explain(ok, mtls)}\n--- containerd log ---\n${containerdLog.slice(-3000)}`);
    expectFailure(await ctrPull(`${hostPort}/e2e/hello:v1`, join(without, "etc/containerd/certs.d")), /bad certificate|certificate required/);
  }, SLOW);
});
