/**
 * The end-to-end harness itself (test/helpers/registry.ts, oci.ts, skopeo.ts, ports.ts): every
 * registry option it offers does what other tests rely on, failures are reported with the log,
 * and nothing keeps running after stop().
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { layerTar, makeOciImage, makeOciLayout, tarArchive } from "../helpers/oci.js";
import { canConnect, freePort, ipv6LoopbackAvailable } from "../helpers/ports.js";
import { type RunningRegistry, startRegistry, waitForLog } from "../helpers/registry.js";
import { runTool, type ToolResult } from "../helpers/run-tool.js";
import { certsDirFor, skopeoCopy, skopeoInspect } from "../helpers/skopeo.js";
import { makeTempDir, removeTempDir } from "../helpers/workspace.js";

const SLOW = 90_000;
/** IPv6 tests are skipped (visibly) where ::1 does not exist, e.g. containers with IPv6 off. */
const HAS_IPV6 = await ipv6LoopbackAvailable();
const ws = tempWorkspace("regcert-harness-");
const registries: RunningRegistry[] = [];
let imageRef: string;

async function start(options: Parameters<typeof startRegistry>[0]): Promise<RunningRegistry> {
  const registry = await startRegistry(options);
  registries.push(registry);
  return registry;
}

function expectSuccess(result: ToolResult, registry?: RunningRegistry): void {
  if (result.code !== 0) throw new Error(`expected exit 0:\n${result.command}\n${result.stdout}\n${result.stderr}\n${registry?.logs().slice(-2000) ?? ""}`);
}

beforeAll(() => {
  imageRef = makeOciLayout(join(ws.dir, "image"), { files: { "etc/hello.txt": "hi\n", "data.bin": Buffer.alloc(700, 7) } });
});

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  ws.cleanup();
});

describe("makeOciLayout", () => {
  test("skopeo reads it: linux/amd64, one layer, our tag", async () => {
    const result = await skopeoInspect(imageRef);
    expectSuccess(result);
    const info = JSON.parse(result.stdout) as { Architecture: string; Os: string; Layers: string[] };
    expect(info).toMatchObject({ Architecture: "amd64", Os: "linux" });
    expect(info.Layers).toHaveLength(1);
    expect(imageRef).toBe(`oci:${join(ws.dir, "image")}:v1`);
  });

  test("the layer is a tar that GNU tar lists and extracts byte for byte", () => {
    const dir = makeTempDir("regcert-oci-");
    try {
      const info = makeOciImage(join(dir, "img"), { files: { "a/b.txt": "bee\n", "c.bin": Buffer.alloc(1024, 1) }, tag: "t2" });
      writeFileSync(join(dir, "layer.tar"), layerTar(join(dir, "img"), info.layerDigests[0]!));
      expect(execFileSync("tar", ["-tf", join(dir, "layer.tar")], { encoding: "utf8" }).split("\n").filter(Boolean)).toEqual(["a/b.txt", "c.bin"]);
      mkdirSync(join(dir, "x"));
      execFileSync("tar", ["-xf", join(dir, "layer.tar"), "-C", join(dir, "x")]);
      expect(readFileSync(join(dir, "x", "a", "b.txt"), "utf8")).toBe("bee\n");
      expect(readFileSync(join(dir, "x", "c.bin"))).toEqual(Buffer.alloc(1024, 1));
      expect(info.reference).toBe(`oci:${join(dir, "img")}:t2`);
    } finally {
      removeTempDir(dir);
    }
  });

  test("tarArchive refuses names tar cannot hold in a ustar header", () => {
    expect(() => tarArchive({ ["x".repeat(100)]: "" })).toThrow(/name too long/);
  });
});

describe("startRegistry", () => {
  test("plain HTTP on 127.0.0.1: /v2/ answers, stop() closes the port and is idempotent", async () => {
    const registry = await start({});
    expect(registry.url).toBe(`http://127.0.0.1:${registry.port}`);
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    await registry.stop();
    await registry.stop();
    expect(await canConnect("127.0.0.1", registry.port)).toBe(false);
    expect(registry.logs()).toContain("listening on 127.0.0.1:");
  }, SLOW);

  (HAS_IPV6 ? test : test.skip)("IPv6 loopback: listens on [::1]", async () => {
    const registry = await start({ host: "::1" });
    expect(registry.url).toBe(`http://[::1]:${registry.port}`);
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
    expect(await canConnect("127.0.0.1", registry.port)).toBe(false);
  }, SLOW);

  test("storage.delete.enabled: manifests can be deleted by default, not when disabled", async () => {
    for (const deleteEnabled of [true, false]) {
      const registry = await start({ deleteEnabled });
      const hostPort = `127.0.0.1:${registry.port}`;
      expectSuccess(await skopeoCopy(imageRef, `docker://${hostPort}/h/del:v1`, { tlsVerify: false }), registry);
      const head = await fetch(`${registry.url}/v2/h/del/manifests/v1`, { method: "HEAD", headers: { accept: "application/vnd.oci.image.manifest.v1+json" } });
      const digest = head.headers.get("docker-content-digest");
      expect(digest).toMatch(/^sha256:/);
      const del = await fetch(`${registry.url}/v2/h/del/manifests/${digest}`, { method: "DELETE" });
      expect([deleteEnabled, del.status]).toEqual([deleteEnabled, deleteEnabled ? 202 : 405]);
    }
  }, SLOW);

  test("htpasswd auth: 401 without credentials, skopeo pushes with them", async () => {
    const htpasswd = join(ws.dir, "htpasswd");
    expectSuccess(await runTool("htpasswd", ["-Bbc", htpasswd, "alice", "s3cret"]));
    const registry = await start({ htpasswd: { path: htpasswd } });
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(401);
    const denied = await skopeoCopy(imageRef, `docker://127.0.0.1:${registry.port}/h/auth:v1`, { tlsVerify: false });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("authentication required");
    expectSuccess(await skopeoCopy(imageRef, `docker://127.0.0.1:${registry.port}/h/auth:v1`, { tlsVerify: false, destCreds: "alice:s3cret" }), registry);
  }, SLOW);

  test("a caller's config file: the port is forced with REGISTRY_HTTP_ADDR", async () => {
    const dir = join(ws.dir, "own-config");
    mkdirSync(dir, { recursive: true });
    const unused = await freePort();
    const configPath = join(dir, "config.yml");
    writeFileSync(configPath, stringify({ version: 0.1, storage: { filesystem: { rootdirectory: join(dir, "data") } }, http: { addr: `127.0.0.1:${unused}` } }));
    const registry = await start({ configPath });
    expect(registry.port).not.toBe(unused);
    expect(registry.url).toBe(`http://127.0.0.1:${registry.port}`);
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
  }, SLOW);

  test("a registry that cannot start rejects at once, with its log", async () => {
    const started = Date.now();
    await expect(startRegistry({ tls: { certificate: join(ws.dir, "missing.crt"), key: join(ws.dir, "missing.key") } })).rejects.toThrow(/exited early[\s\S]*missing\.crt/);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, SLOW);
});

describe("TLS client certificates (http.tls.clientcas) with regcert's profiles", () => {
  let registry: RunningRegistry;
  let caPem: string;
  const certs = join(ws.dir, "mtls");

  beforeAll(async () => {
    for (const args of [
      ["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--out", "mtls"],
      ["issue", "--client", "--cn", "ci", "--name", "ci", "--out", "mtls"],
    ]) {
      const result = await runCli(args, { cwd: ws.dir, env: ws.env });
      if (result.code !== 0) throw new Error(result.stderr);
    }
    caPem = readFileSync(join(certs, "ca.crt"), "utf8");
    registry = await start({ tls: { certificate: join(certs, "registry.crt"), key: join(certs, "registry.key"), clientCas: [join(certs, "ca.crt")] } });
  }, SLOW);

  const CLIENT_REFUSED = /remote error: tls: bad certificate|connection reset by peer/;

  function trustWith(name: string, cert?: string, key?: string): string {
    const dir = certsDirFor(join(ws.dir, `mtls-${name}`), `127.0.0.1:${registry.port}`, caPem);
    if (cert && key) {
      writeFileSync(join(dir, "client.cert"), readFileSync(join(certs, cert)));
      writeFileSync(join(dir, "client.key"), readFileSync(join(certs, key)), { mode: 0o600 });
    }
    return dir;
  }

  test("no client certificate: tls: bad certificate", async () => {
    const result = await skopeoCopy(imageRef, `docker://127.0.0.1:${registry.port}/m/none:v1`, { destCertDir: trustWith("none") });
    expect(result.code).not.toBe(0);
    // with TLS 1.3 the client learns of the refusal after its side of the handshake: either text
    expect(result.stderr).toMatch(CLIENT_REFUSED);
    expect(await waitForLog(registry, "client didn't provide a certificate")).toBe(true);
  }, SLOW);

  test("issue --client certificate: accepted", async () => {
    expectSuccess(await skopeoCopy(imageRef, `docker://127.0.0.1:${registry.port}/m/client:v1`, { destCertDir: trustWith("client", "ci.crt", "ci.key") }), registry);
  }, SLOW);

  test("a server certificate (serverAuth only) offered as a client certificate: refused", async () => {
    const result = await skopeoCopy(imageRef, `docker://127.0.0.1:${registry.port}/m/server-as-client:v1`, { destCertDir: trustWith("server", "registry.crt", "registry.key") });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(CLIENT_REFUSED);
    // the registry (Go's crypto/tls) says why: the certificate is not for client authentication
    expect(await waitForLog(registry, "incompatible key usage")).toBe(true);
  }, SLOW);
});
