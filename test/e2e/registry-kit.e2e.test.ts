/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The registry operator's kit against real software: htpasswd files written by the built CLI are
 * judged by the Debian docker-registry (distribution 2.8) and skopeo (Go, like Docker/containerd/podman);
 * configs rendered by `regcert registry-config` start that registry and take a push over TLS.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempWorkspace, type CliResult } from "../helpers/cli.js";
import { makeOciImage, type OciLayoutInfo } from "../helpers/oci.js";
import { freePort, waitForPort } from "../helpers/ports.js";
import { type RunningRegistry, startRegistry } from "../helpers/registry.js";
import { runTool } from "../helpers/run-tool.js";
import { certsDirFor, skopeoCopy } from "../helpers/skopeo.js";
import type { ToolResult } from "../helpers/run-tool.js";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

type Workspace = ReturnType<typeof tempWorkspace>;

const ws: Workspace = tempWorkspace("regcert-kit-");
const registries: RunningRegistry[] = [];
let image: OciLayoutInfo;
let caPem: string;

async function regcert(args: string[], input?: string, cwd = ws.dir): Promise<CliResult> {
  return runCli(args, { cwd, env: ws.env, ...(input === undefined ? {} : { input }) });
}

async function ok(args: string[], input?: string, cwd = ws.dir): Promise<CliResult> {
  const result = await regcert(args, input, cwd);
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

function explain(result: ToolResult, registry?: RunningRegistry): string {
  return `${result.command}\nexit ${result.code}\n${result.stdout}\n${result.stderr}${registry ? `\n--- registry log tail ---\n${registry.logs().slice(-3000)}` : ""}`;
}

function expectPushOk(result: ToolResult, registry: RunningRegistry): void {
  if (result.code !== 0) throw new Error(`expected the push to succeed:\n${explain(result, registry)}`);
}

beforeAll(async () => {
  image = makeOciImage(join(ws.dir, "image"));
  await ok(["issue", "localhost", "127.0.0.1", "--out", "certs"]);
  caPem = readFileSync(join(ws.dir, "certs", "ca.crt"), "utf8");
  await ok(["issue", "--client", "--cn", "ci", "--name", "ci", "--out", "client"]);
  // a user for the config tests, in its own file (the htpasswd tests edit auth/htpasswd)
  await ok(["htpasswd", "kit", "--password-stdin", "--file", "kit-auth/htpasswd"], "kit-pw\n");
});

afterAll(async () => {
  for (const registry of registries) await registry.stop();
  ws.cleanup();
});

describe("htpasswd", () => {
  let registry: RunningRegistry;
  const htpasswd = join(ws.dir, "auth", "htpasswd");
  let certDir: string;

  beforeAll(async () => {
    await ok(["htpasswd", "alice", "--password-stdin"], "alice-pw\n");
    await ok(["htpasswd", "bob", "--password-stdin", "--cost", "5"], "bob-pw");
    registry = await startRegistry({ tls: { certificate: join(ws.dir, "certs", "registry.crt"), key: join(ws.dir, "certs", "registry.key") }, htpasswd: { path: htpasswd } });
    registries.push(registry);
    certDir = certsDirFor(join(ws.dir, "trust-auth"), `127.0.0.1:${registry.port}`, caPem);
  });

  test("entries are $2y$ bcrypt that Apache's htpasswd -vb accepts; a wrong password is refused", async () => {
    const text = readFileSync(htpasswd, "utf8");
    expect(text).toMatch(/^alice:\$2y\$10\$[./A-Za-z0-9]{53}\nbob:\$2y\$05\$[./A-Za-z0-9]{53}\n$/);
    expect((await runTool("htpasswd", ["-vb", htpasswd, "alice", "alice-pw"])).code).toBe(0);
    expect((await runTool("htpasswd", ["-vb", htpasswd, "bob", "bob-pw"])).code).toBe(0);
    expect((await runTool("htpasswd", ["-vb", htpasswd, "alice", "bob-pw"])).code).not.toBe(0);
  });

  test("the real registry accepts the user's push (skopeo --dest-creds) and refuses a wrong password", async () => {
    const dest = `docker://127.0.0.1:${registry.port}/kit/auth:v1`;
    expectPushOk(await skopeoCopy(image.reference, dest, { destCertDir: certDir, destCreds: "alice:alice-pw" }), registry);
    const wrong = await skopeoCopy(image.reference, dest, { destCertDir: certDir, destCreds: "alice:bob-pw" });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("unauthorized: authentication required");
    const none = await skopeoCopy(image.reference, dest, { destCertDir: certDir });
    expect(none.code).not.toBe(0);
  });

  test("replacing one user's password keeps the other lines byte for byte, and the registry re-reads the file", async () => {
    const before = readFileSync(htpasswd, "utf8");
    const bobLine = before.split("\n")[1];
    await ok(["htpasswd", "alice", "--password-stdin"], "alice-new\n");
    const after = readFileSync(htpasswd, "utf8");
    expect(after.split("\n")[1]).toBe(bobLine);
    expect(after.split("\n")[0]).not.toBe(before.split("\n")[0]);
    const dest = `docker://127.0.0.1:${registry.port}/kit/auth:v2`;
    // distribution 2.8 re-reads the file when its mtime changes; make sure the mtime moves on coarse clocks
    await new Promise((r) => setTimeout(r, 1100));
    expectPushOk(await skopeoCopy(image.reference, dest, { destCertDir: certDir, destCreds: "alice:alice-new" }), registry);
    expect((await skopeoCopy(image.reference, dest, { destCertDir: certDir, destCreds: "alice:alice-pw" })).code).not.toBe(0);
    expectPushOk(await skopeoCopy(image.reference, dest, { destCertDir: certDir, destCreds: "bob:bob-pw" }), registry);
  });

  test("--delete removes exactly that user; the registry then refuses it", async () => {
    const before = readFileSync(htpasswd, "utf8");
    const result = await ok(["htpasswd", "bob", "--delete"]);
    expect(result.stdout).toContain("Deleted bob from auth/htpasswd");
    const after = readFileSync(htpasswd, "utf8");
    expect(after).toBe(`${before.split("\n")[0]}\n`);
    await new Promise((r) => setTimeout(r, 1100));
    const dest = `docker://127.0.0.1:${registry.port}/kit/auth:v3`;
    expect((await skopeoCopy(image.reference, dest, { destCertDir: certDir, destCreds: "bob:bob-pw" })).code).not.toBe(0);
  });

  test("user mistakes exit 2 with a hint and change nothing", async () => {
    const before = readFileSync(htpasswd, "utf8");
    const colon = await regcert(["htpasswd", "a:b", "--password-stdin"], "pw\n");
    expect(colon.code).toBe(2);
    expect(colon.stderr).toBe(`regcert: user name "a:b" contains ':', the htpasswd field separator\nhint: choose a name without ':'\n`);
    const newline = await regcert(["htpasswd", "a\nb", "--password-stdin"], "pw\n");
    expect(newline.code).toBe(2);
    expect(newline.stderr).toContain("line break");
    const noTty = await regcert(["htpasswd", "carol"]);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toBe(`regcert: no password for carol: there is no terminal to ask on\nhint: printf '%s\\n' "$PASSWORD" | regcert htpasswd carol --file auth/htpasswd --password-stdin\n`);
    const empty = await regcert(["htpasswd", "carol", "--password-stdin"], "\n");
    expect(empty.code).toBe(2);
    const dirAsFile = await regcert(["htpasswd", "carol", "--password-stdin", "--file", "auth"], "pw\n");
    expect(dirAsFile.code).toBe(2);
    expect(dirAsFile.stderr).toContain("is not a regular file");
    expect(readFileSync(htpasswd, "utf8")).toBe(before);
  });

  test("--json reports the action", async () => {
    const result = await ok(["--json", "htpasswd", "dave", "--password-stdin", "--file", "other/htpasswd", "--cost", "4"], "pw\n");
    expect(JSON.parse(result.stdout)).toEqual({ command: "htpasswd", file: join(ws.dir, "other", "htpasswd"), user: "dave", action: "added", algorithm: "bcrypt", cost: 4 });
  });
});

/**
 * Starts the registry with a config rendered by `regcert registry-config`, changing only the paths
 * that point into the container (/certs, /auth, /var/lib/registry) to this test's temp files.
 */
async function startRendered(outDir: string, storage: string): Promise<RunningRegistry> {
  const config = parseYaml(readFileSync(join(outDir, "config.yml"), "utf8")) as Record<string, any>;
  const hostPath = (p: string): string => p.replace(/^\/certs\//, `${join(ws.dir, "certs")}/`).replace(/^\/auth\//, `${join(ws.dir, "kit-auth")}/`);
  config.http.tls.certificate = hostPath(config.http.tls.certificate);
  config.http.tls.key = hostPath(config.http.tls.key);
  if (config.http.tls.clientcas) config.http.tls.clientcas = config.http.tls.clientcas.map(hostPath);
  if (config.auth) config.auth.htpasswd.path = hostPath(config.auth.htpasswd.path);
  config.storage.filesystem.rootdirectory = storage;
  const path = join(outDir, "config.test.yml");
  writeFileSync(path, stringifyYaml(config));
  const registry = await startRegistry({ configPath: path });
  registries.push(registry);
  return registry;
}

describe("registry-config (compose) starts the real registry", () => {
  test.each([
    ["tls", [] as string[]],
    ["auth", ["--auth"]],
    ["mtls", ["--mtls"]],
    ["auth+mtls", ["--auth", "--mtls"]],
  ])("%s: the rendered config.yml serves a skopeo push over TLS", async (variant, flags) => {
    const out = join(ws.dir, `deploy-${variant.replace("+", "-")}`);
    const result = await ok(["registry-config", "--server", "distribution-2", "--out", out, "--htpasswd", "kit-auth/htpasswd", ...flags]);
    expect(result.stdout).toContain("docker compose up -d");
    expect(result.stdout).toContain("docker run -d --name registry --restart unless-stopped -p 5000:5000");
    const registry = await startRendered(out, join(out, "storage"));
    expect(registry.url.startsWith("https://")).toBe(true);
    const hostPort = `127.0.0.1:${registry.port}`;
    const certDir = certsDirFor(join(ws.dir, `trust-${variant}`), hostPort, caPem);
    const auth = flags.includes("--auth");
    const mtls = flags.includes("--mtls");
    const dest = `docker://${hostPort}/kit/${variant.replace("+", "-")}:v1`;
    if (mtls) {
      // without a client certificate the handshake fails, as client-errors.md records
      const refused = await skopeoCopy(image.reference, dest, { destCertDir: certDir, ...(auth ? { destCreds: "kit:kit-pw" } : {}) });
      expect(refused.code).not.toBe(0);
      // Go prints the TLS 1.3 refusal as an alert or, racing the close, as a reset (see test/e2e/harness.e2e.test.ts)
      expect(refused.stderr).toMatch(/remote error: tls: bad certificate|connection reset by peer/);
      writeFileSync(join(certDir, "client.cert"), readFileSync(join(ws.dir, "client", "ci.crt")));
      writeFileSync(join(certDir, "client.key"), readFileSync(join(ws.dir, "client", "ci.key")));
    }
    if (auth) {
      const anonymous = await skopeoCopy(image.reference, dest, { destCertDir: certDir });
      expect(anonymous.code).not.toBe(0);
      expect(anonymous.stderr).toContain("authentication required");
    }
    expectPushOk(await skopeoCopy(image.reference, dest, { destCertDir: certDir, ...(auth ? { destCreds: "kit:kit-pw" } : {}) }), registry);
    await registry.stop();
  });

  test("an existing config is not replaced without --force", async () => {
    const out = join(ws.dir, "deploy-tls");
    const before = readFileSync(join(out, "config.yml"), "utf8");
    const result = await regcert(["registry-config", "--server", "distribution-2", "--out", out, "--auth"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("already exist");
    expect(result.stderr).toContain("--force");
    expect(result.stderr).not.toContain("key");
    expect(readFileSync(join(out, "config.yml"), "utf8")).toBe(before);
    expect((await regcert(["registry-config", "--server", "distribution-2", "--out", out, "--auth", "--force"])).code).toBe(0);
    // the http.secret is written once and kept (replicas must share it)
    const secret = (text: string) => (parseYaml(text) as { http: { secret: string } }).http.secret;
    expect(secret(readFileSync(join(out, "config.yml"), "utf8"))).toBe(secret(before));
  });
});

describe("registry-config --systemd runs as the docker-registry user", () => {
  let child: ChildProcess | undefined;
  let log = "";
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once("close", r));
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  test("install steps give the service its key (root:docker-registry 0640); the registry starts and takes a push with auth", async () => {
    // the service user must be able to walk down to the temp files
    chmodSync(ws.dir, 0o755);
    const etc = join(ws.dir, "etc-registry");
    const data = join(ws.dir, "var-lib-registry");
    const port = await freePort();
    const result = await ok(["--json", "registry-config", "--server", "distribution-2", "--systemd", "--auth", "--mtls", "--etc-dir", etc, "--data", data, "--htpasswd", "kit-auth/htpasswd", "--listen", `127.0.0.1:${port}`, "--out", "systemd"]);
    const report = JSON.parse(result.stdout) as { install: { argv: string[] }[]; restart: string[]; paths: { config: string; key: string } };
    expect(report.restart).toEqual(["systemctl", "restart", "docker-registry"]);
    for (const step of report.install) {
      const done = await runTool(step.argv[0] as string, step.argv.slice(1), { cwd: ws.dir });
      if (done.code !== 0) throw new Error(`install step failed:\n${done.command}\n${done.stderr}`);
    }
    const key = statSync(report.paths.key);
    expect(key.mode & 0o777).toBe(0o640);
    expect(key.uid).toBe(0);
    expect((await runTool("getent", ["group", "docker-registry"])).stdout.split(":")[2]).toBe(String(key.gid));
    expect((await runTool("runuser", ["-u", "docker-registry", "--", "test", "-r", report.paths.key])).code).toBe(0);
    const parsed = parseYaml(readFileSync(report.paths.config, "utf8")) as { auth: { htpasswd: { path: string } } };
    expect(statSync(parsed.auth.htpasswd.path).isFile()).toBe(true);

    // --listen put the loopback address into http.addr: no environment override needed
    expect((parseYaml(readFileSync(report.paths.config, "utf8")) as { http: { addr: string } }).http.addr).toBe(`127.0.0.1:${port}`);
    child = spawn("runuser", ["-u", "docker-registry", "--", "docker-registry", "serve", report.paths.config], {
      env: { PATH: process.env.PATH },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    const up = await waitForPort("127.0.0.1", port, 20_000, () => child?.exitCode !== null);
    if (!up) throw new Error(`docker-registry did not start as docker-registry:\n${log}`);
    const certDir = certsDirFor(join(ws.dir, "trust-systemd"), `127.0.0.1:${port}`, caPem);
    writeFileSync(join(certDir, "client.cert"), readFileSync(join(ws.dir, "client", "ci.crt")));
    writeFileSync(join(certDir, "client.key"), readFileSync(join(ws.dir, "client", "ci.key")));
    const push = await skopeoCopy(image.reference, `docker://127.0.0.1:${port}/kit/systemd:v1`, { destCertDir: certDir, destCreds: "kit:kit-pw" });
    if (push.code !== 0) throw new Error(`push failed:\n${push.stderr}\n--- registry ---\n${log.slice(-3000)}`);
    // http.secret is set: the registry does not generate a per-process one
    expect(log).not.toContain("No HTTP secret provided");
    // the storage was written by the service user, not root
    const serviceUid = Number((await runTool("id", ["-u", "docker-registry"])).stdout.trim());
    expect(serviceUid).toBeGreaterThan(0);
    expect(statSync(join(data, "docker")).uid).toBe(serviceUid);

    // adding a user later (as root) replaces the file with one that keeps root:docker-registry 0640 and
    // has a new mtime (#12): no chown, no touch; the new user pushes right away
    const htpasswdPath = parsed.auth.htpasswd.path;
    const before = statSync(htpasswdPath);
    const added = await ok(["htpasswd", "second", "--password-stdin", "--cost", "4", "--file", htpasswdPath], "second-pw\n");
    const after = statSync(htpasswdPath);
    expect({ uid: after.uid, gid: after.gid, mode: after.mode & 0o777 }).toEqual({ uid: before.uid, gid: before.gid, mode: 0o640 });
    expect(after.mtimeMs).toBeGreaterThanOrEqual(before.mtimeMs);
    expect(added.stderr).toBe("");
    const second = await skopeoCopy(image.reference, `docker://127.0.0.1:${port}/kit/systemd:v2`, { destCertDir: certDir, destCreds: "second:second-pw" });
    if (second.code !== 0) throw new Error(`push as the new user failed:\n${second.stderr}\n--- registry ---\n${log.slice(-3000)}`);
  });

  test("negative control: the packaged layout (a root-only 0600 key) keeps the service user out", async () => {
    const key = join(ws.dir, "root-only.key");
    writeFileSync(key, "x", { mode: 0o600 });
    chmodSync(key, 0o600);
    expect((await runTool("runuser", ["-u", "docker-registry", "--", "test", "-r", key])).code).not.toBe(0);
  });
});

test("concurrent htpasswd runs on one file lose no user (read-modify-write under a lock)", async () => {
  const users = ["u1", "u2", "u3", "u4", "u5", "u6"];
  const results = await Promise.all(users.map((u) => regcert(["htpasswd", u, "--password-stdin", "--cost", "4", "--file", "race/htpasswd"], `${u}-pw\n`)));
  for (const r of results) expect(r.code).toBe(0);
  const text = readFileSync(join(ws.dir, "race", "htpasswd"), "utf8");
  expect(text.split("\n").filter(Boolean).map((l) => l.split(":")[0]).sort()).toEqual(users);
  for (const u of users) expect((await runTool("htpasswd", ["-vb", join(ws.dir, "race", "htpasswd"), u, `${u}-pw`])).code).toBe(0);
});
