/**
 * End to end with real software: certificates from the built `regcert` served by the Debian
 * docker-registry (distribution 2.8) on loopback, and skopeo (Go's crypto/x509, like Docker,
 * containerd and podman) pushing and pulling a tiny OCI image while trusting only our ca.crt.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { type Workspace, workspacePool } from "../helpers/workspace.js";
import { makeOciImage, readOciLayout, type OciLayoutInfo } from "../helpers/oci.js";
import { openssl } from "../helpers/openssl.js";
import { ipv6LoopbackAvailable, type LoopbackHost } from "../helpers/ports.js";
import { type RunningRegistry, startRegistry } from "../helpers/registry.js";
import { certsDirFor, skopeoCopy } from "../helpers/skopeo.js";
import type { ToolResult } from "../helpers/run-tool.js";

const SLOW = 120_000;
/** IPv6 tests are skipped (visibly) where ::1 does not exist, e.g. containers with IPv6 off. */
const HAS_IPV6 = await ipv6LoopbackAvailable();


const registries: RunningRegistry[] = [];
let image: OciLayoutInfo;

const workspace = workspacePool("regcert-e2e-", { cleanupAfterAll: false });

async function regcert(ws: Workspace, args: string[]): Promise<void> {
  const result = await runCli(args, { cwd: ws.dir, env: ws.env });
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
}

async function serve(certificate: string, key: string, host: LoopbackHost = "127.0.0.1"): Promise<RunningRegistry> {
  const registry = await startRegistry({ host, tls: { certificate, key } });
  registries.push(registry);
  return registry;
}

function explain(result: ToolResult, registry?: RunningRegistry): string {
  return `${result.command}\nexit ${result.code}\n${result.stdout}\n${result.stderr}${registry ? `\n--- registry log tail ---\n${registry.logs().slice(-3000)}` : ""}`;
}

/** Fails the test with the command, its output and the registry's log when `result` is not exit 0. */
function expectSuccess(result: ToolResult, registry?: RunningRegistry): void {
  if (result.code !== 0) throw new Error(`expected exit 0:\n${explain(result, registry)}`);
}

/** Pushes the test image to HOSTPORT trusting only caPem, pulls it back into a new layout, and checks the digests. */
async function roundTrip(ws: Workspace, registry: RunningRegistry, hostPort: string, caPem: string, repo: string): Promise<void> {
  const certDir = certsDirFor(join(ws.dir, `trust-${hostPort.replace(/[^0-9A-Za-z.]/g, "_")}`), hostPort, caPem);
  const remote = `docker://${hostPort}/${repo}:v1`;
  const push = await skopeoCopy(image.reference, remote, { destCertDir: certDir });
  expectSuccess(push, registry);
  const backDir = join(ws.dir, `back-${repo.replace(/\W/g, "_")}-${registry.port}-${hostPort.startsWith("localhost") ? "name" : "ip"}`);
  const pull = await skopeoCopy(remote, `oci:${backDir}:v1`, { srcCertDir: certDir });
  expectSuccess(pull, registry);
  const back = readOciLayout(backDir);
  expect(back.layerDigests).toEqual(image.layerDigests);
  expect(back.configDigest).toBe(image.configDigest);
}

beforeAll(() => {
  image = makeOciImage(join(workspace().dir, "image"), { files: { "hello.txt": "hello from the regcert e2e test\n" } });
});

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  workspace.cleanup();
}, SLOW);

describe.each(["ecdsa-p256", "rsa-2048", "ecdsa-p384"])("regcert issue --key %s, served by docker-registry", (keyType) => {
  let ws: Workspace;
  let registry: RunningRegistry;
  let caPem: string;

  beforeAll(async () => {
    ws = workspace();
    await regcert(ws, ["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--key", keyType, "--out", "certs"]);
    caPem = readFileSync(join(ws.dir, "certs", "ca.crt"), "utf8");
    registry = await serve(join(ws.dir, "certs", "registry.crt"), join(ws.dir, "certs", "registry.key"));
  }, SLOW);

  test("skopeo pushes and pulls by localhost, trusting only our ca.crt", async () => {
    await roundTrip(ws, registry, `localhost:${registry.port}`, caPem, "e2e/hello");
  }, SLOW);

  test("skopeo pushes and pulls by 127.0.0.1, trusting only our ca.crt", async () => {
    await roundTrip(ws, registry, `127.0.0.1:${registry.port}`, caPem, "e2e/hello-ip");
  }, SLOW);

  test("without our CA the same push fails: x509: certificate signed by unknown authority", async () => {
    for (const host of ["localhost", "127.0.0.1"]) {
      const push = await skopeoCopy(image.reference, `docker://${host}:${registry.port}/e2e/denied:v1`);
      expect(push.code).not.toBe(0);
      expect(push.stderr).toContain("x509: certificate signed by unknown authority");
    }
  }, SLOW);
});

describe("certificates a Go client must reject or accept", () => {
  test("a certificate with only --dns localhost is refused by IP: doesn't contain any IP SANs (and works by name)", async () => {
    const ws = workspace();
    await regcert(ws, ["issue", "--dns", "localhost", "--out", "certs"]);
    const caPem = readFileSync(join(ws.dir, "certs", "ca.crt"), "utf8");
    const registry = await serve(join(ws.dir, "certs", "registry.crt"), join(ws.dir, "certs", "registry.key"));
    const hostPort = `127.0.0.1:${registry.port}`;
    const push = await skopeoCopy(image.reference, `docker://${hostPort}/e2e/no-ip-san:v1`, { destCertDir: certsDirFor(join(ws.dir, "t"), hostPort, caPem) });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain("x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs");
    // positive control: the same certificate and CA are fine by the name it was issued for
    await roundTrip(ws, registry, `localhost:${registry.port}`, caPem, "e2e/by-name");
  }, SLOW);

  test("a CA from another home is an unknown authority", async () => {
    const ws = workspace();
    const other = workspace();
    await regcert(ws, ["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--out", "certs"]);
    await regcert(other, ["init-ca"]);
    const otherCa = readFileSync(join(other.home, "ca.crt"), "utf8");
    const registry = await serve(join(ws.dir, "certs", "registry.crt"), join(ws.dir, "certs", "registry.key"));
    const hostPort = `127.0.0.1:${registry.port}`;
    const push = await skopeoCopy(image.reference, `docker://${hostPort}/e2e/wrong-ca:v1`, { destCertDir: certsDirFor(join(ws.dir, "t"), hostPort, otherCa) });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain("x509: certificate signed by unknown authority");
  }, SLOW);

  // skopeo 1.9's reference parser rejects "[::1]:PORT" ("invalid reference format"), so the IPv6
  // registry is judged by OpenSSL's client instead: a real TLS handshake with -verify_ip.
  (HAS_IPV6 ? test : test.skip)("IPv6: issue --ip ::1, registry on [::1], verified by openssl s_client -verify_ip ::1", async () => {
    const ws = workspace();
    await regcert(ws, ["issue", "--ip", "::1", "--out", "certs"]);
    const registry = await serve(join(ws.dir, "certs", "registry.crt"), join(ws.dir, "certs", "registry.key"), "::1");
    const handshake = (ip: string) =>
      openssl(["s_client", "-connect", `[::1]:${registry.port}`, "-CAfile", join(ws.dir, "certs", "ca.crt"), "-verify_ip", ip, "-verify_return_error"], { timeoutMs: 20_000 });
    const good = await handshake("::1");
    expect(good.stdout).toContain("Verify return code: 0 (ok)");
    const bad = await handshake("::2");
    expect(bad.code).not.toBe(0);
    expect(`${bad.stdout}${bad.stderr}`).toContain("IP address mismatch");
  }, SLOW);
});

describe("a name-constrained CA (init-ca --permit-dns), judged by Go", () => {
  test("its certificate for localhost is trusted; one minted outside regcert for 127.0.0.1 is refused by the constraint", async () => {
    const ws = workspace();
    await regcert(ws, ["init-ca", "--permit-dns", "localhost"]);
    await regcert(ws, ["issue", "--dns", "localhost", "--out", "certs"]);
    const caPem = readFileSync(join(ws.home, "ca.crt"), "utf8");
    const good = await serve(join(ws.dir, "certs", "registry.crt"), join(ws.dir, "certs", "registry.key"));
    await roundTrip(ws, good, `localhost:${good.port}`, caPem, "nc/hello");

    // what a thief with ca.key could make: a certificate for an IP, which the CA's constraints exclude
    const cwd = { cwd: ws.dir };
    expectSuccess(await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "stolen.key", "-subj", "/CN=localhost", "-out", "stolen.csr"], cwd));
    writeFileSync(join(ws.dir, "ext.cnf"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n");
    expectSuccess(await openssl(["x509", "-req", "-in", "stolen.csr", "-CA", join(ws.home, "ca.crt"), "-CAkey", join(ws.home, "ca.key"), "-CAcreateserial", "-days", "30", "-extfile", "ext.cnf", "-out", "stolen.crt"], cwd));
    const bad = await serve(join(ws.dir, "stolen.crt"), join(ws.dir, "stolen.key"));
    const hostPort = `127.0.0.1:${bad.port}`;
    const push = await skopeoCopy(image.reference, `docker://${hostPort}/nc/stolen:v1`, { destCertDir: certsDirFor(join(ws.dir, "t-nc"), hostPort, caPem) });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain("x509: a root or intermediate certificate is not authorized to sign for this name");
  }, SLOW);
});

describe("the seeds' flow: openssl key and CSR, signed by regcert sign", () => {
  test("openssl genrsa + req -new → regcert sign --dns localhost --ip 127.0.0.1 → served and trusted", async () => {
    const ws = workspace();
    const opts = { cwd: ws.dir };
    const genrsa = await openssl(["genrsa", "-out", "registry.key", "2048"], opts);
    expectSuccess(genrsa);
    const req = await openssl(["req", "-new", "-key", "registry.key", "-subj", "/CN=localhost", "-out", "registry.csr"], opts);
    expectSuccess(req);
    await regcert(ws, ["sign", "--csr", "registry.csr", "--dns", "localhost", "--ip", "127.0.0.1", "--out", "certs"]);
    const caPem = readFileSync(join(ws.dir, "certs", "ca.crt"), "utf8");
    const registry = await serve(join(ws.dir, "certs", "registry.crt"), join(ws.dir, "registry.key"));
    await roundTrip(ws, registry, `127.0.0.1:${registry.port}`, caPem, "seeds/hello");
    await roundTrip(ws, registry, `localhost:${registry.port}`, caPem, "seeds/hello-name");
  }, SLOW);
});
