/**
 * The registry operator's kit against real software: htpasswd files written by the built CLI are
 * judged by the Debian docker-registry (distribution 2.8) and skopeo (Go, like Docker/containerd/podman);
 * configs rendered by `regcert registry-config` start that registry and take a push over TLS.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempWorkspace, type CliResult } from "../helpers/cli.js";
import { makeOciImage, type OciLayoutInfo } from "../helpers/oci.js";
import { type RunningRegistry, startRegistry } from "../helpers/registry.js";
import { runTool } from "../helpers/run-tool.js";
import { certsDirFor, skopeoCopy } from "../helpers/skopeo.js";
import type { ToolResult } from "../helpers/run-tool.js";

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
    expect(noTty.stderr).toBe(`regcert: no password for carol: there is no terminal to ask on\nhint: echo "$PASSWORD" | regcert htpasswd carol --password-stdin\n`);
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

// silence unused-import lint in parts added later
void chmodSync;
void mkdirSync;
void writeFileSync;
