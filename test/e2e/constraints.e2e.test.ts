/**
 * Name-constrained CAs judged by independent verifiers: OpenSSL (`openssl verify`) and a Go client
 * (skopeo, Go's crypto/x509, like Docker/containerd/podman) against the real docker-registry.
 *
 * - A leaf regcert issues inside the constraints passes both.
 * - A leaf outside them, forged by signing directly with the CA key (what a thief of ca.key would
 *   do; regcert itself refuses to issue it), fails `openssl verify` with the name-constraints error
 *   and is refused by skopeo with Go's "not authorized to sign for this name".
 * - Why DNS-only constraints must also exclude every IP: a CA permitting only DNS names still signs
 *   IP:8.8.8.8 as far as OpenSSL is concerned (RFC 5280: a name type without subtrees is open).
 */
import { createPrivateKey } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, type CliResult } from "../helpers/cli.js";
import { type Workspace, workspacePool } from "../helpers/workspace.js";
import { makeOciImage, type OciLayoutInfo } from "../helpers/oci.js";
import { openssl, x509Text } from "../helpers/openssl.js";
import { type RunningRegistry, startRegistry } from "../helpers/registry.js";
import { certsDirFor, skopeoCopy } from "../helpers/skopeo.js";
import { toolAvailable, type ToolResult } from "../helpers/run-tool.js";
import { nameConstraintsExtension } from "../../src/pki/extensions.js";
import { rawSubjectName } from "../../src/pki/issuer.js";
import { decodePemOrDer } from "../../src/pki/pem.js";
import type { NameSet } from "../../src/pki/names.js";
import { forgeCa, forgeLeaf } from "../hostile/forge.js";
import { expectOneLineError, guardTree } from "../hostile/harness.js";

const SLOW = 120_000;
const haveTools = toolAvailable("openssl") && toolAvailable("skopeo") && toolAvailable("docker-registry");
const describeE2e = haveTools ? describe : describe.skip;
const describeOpenssl = toolAvailable("openssl") ? describe : describe.skip;

const registries: RunningRegistry[] = [];
let image: OciLayoutInfo;

const workspace = workspacePool("regcert-nc-", { cleanupAfterAll: false });

async function regcert(ws: Workspace, args: string[]): Promise<CliResult> {
  const result = await runCli(args, { cwd: ws.dir, env: ws.env });
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  return result;
}

/** Forges a leaf for `names` with the home's CA key, bypassing regcert; returns its cert and key paths. */
function forgeWithHomeCa(ws: Workspace, names: NameSet, file: string): { crt: string; key: string } {
  const caKey = createPrivateKey(readFileSync(join(ws.home, "ca.key"), "utf8"));
  const caDer = decodePemOrDer(readFileSync(join(ws.home, "ca.crt"), "utf8"), ["CERTIFICATE"], "ca.crt")[0] as Uint8Array;
  const leaf = forgeLeaf({ caKey, caName: rawSubjectName(caDer), names });
  const dir = join(ws.dir, "forged");
  mkdirSync(dir, { recursive: true });
  const crt = join(dir, `${file}.crt`);
  const key = join(dir, `${file}.key`);
  writeFileSync(crt, leaf.certificatePem);
  writeFileSync(key, leaf.keyPem, { mode: 0o600 });
  return { crt, key };
}

const verify = (ws: Workspace, cert: string, ...extra: string[]): Promise<ToolResult> => openssl(["verify", "-CAfile", join(ws.home, "ca.crt"), ...extra, cert]);

async function serve(crt: string, key: string): Promise<RunningRegistry> {
  const registry = await startRegistry({ tls: { certificate: crt, key } });
  registries.push(registry);
  return registry;
}

/** skopeo push trusting only the home's ca.crt. */
function push(ws: Workspace, hostPort: string, repo: string): Promise<ToolResult> {
  const certDir = certsDirFor(join(ws.dir, `trust-${repo.replace(/\W/g, "_")}`), hostPort, readFileSync(join(ws.home, "ca.crt")));
  return skopeoCopy(image.reference, `docker://${hostPort}/${repo}:v1`, { destCertDir: certDir, timeoutMs: 60_000 });
}

/** skopeo logs through logrus, which escapes the quotes of Go's message: undo that to compare with the reference text. */
const goError = (result: ToolResult): string => result.stderr.replace(/\\"/g, '"');

function explain(result: ToolResult): string {
  return `${result.command}\nexit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

beforeAll(() => {
  image = makeOciImage(join(workspace().dir, "image"));
});

afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  workspace.cleanup();
}, SLOW);

describeE2e("CA constrained to DNS:localhost and IP:127.0.0.0/8", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = workspace();
    await regcert(ws, ["init-ca", "--permit-dns", "localhost", "--permit-ip", "127.0.0.0/8"]);
  }, SLOW);

  test("ca.crt carries a critical nameConstraints with exactly those permitted subtrees", async () => {
    const text = await x509Text(join(ws.home, "ca.crt"));
    expect(text).toMatch(/X509v3 Name Constraints: critical\s+Permitted:\s+DNS:localhost\s+IP:127\.0\.0\.0\/255\.0\.0\.0\s*\n/);
    expect(text).not.toContain("Excluded");
  });

  test("a leaf issued inside passes openssl verify and skopeo pushes to the registry serving it", async () => {
    await regcert(ws, ["issue", "localhost", "127.0.0.1", "--out", "inside"]);
    const crt = join(ws.dir, "inside", "registry.crt");
    const ok = await verify(ws, crt, "-purpose", "sslserver");
    expect(ok.stdout).toContain(": OK");
    const registry = await serve(crt, join(ws.dir, "inside", "registry.key"));
    for (const host of ["localhost", "127.0.0.1"]) {
      const result = await push(ws, `${host}:${registry.port}`, `nc/inside-${host === "localhost" ? "name" : "ip"}`);
      if (result.code !== 0) throw new Error(`expected the push to work:\n${explain(result)}\n${registry.logs().slice(-2000)}`);
    }
  }, SLOW);

  test("regcert refuses to issue outside the constraints (exit 2) and writes nothing", async () => {
    const guard = guardTree(ws.dir);
    const result = await runCli(["issue", "localhost", "127.0.0.1", "evil.example", "--out", "outside"], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expectOneLineError(result);
    expect(result.stderr).toContain('DNS name "evil.example" is not within the CA\'s permitted names (localhost)');
    const ip = await runCli(["issue", "localhost", "10.0.0.1", "--out", "outside"], { cwd: ws.dir, env: ws.env });
    expect(ip.code).toBe(2);
    expect(ip.stderr).toContain("IP 10.0.0.1 is not within the CA's permitted ranges (127.0.0.0/8)");
    guard.unchanged();
  });

  test("a forged leaf with an extra DNS name fails openssl verify (permitted subtree violation) and skopeo (not authorized to sign for this name)", async () => {
    const forged = forgeWithHomeCa(ws, { dns: ["localhost", "evil.example"], ip: ["127.0.0.1"] }, "extra-dns");
    const bad = await verify(ws, forged.crt);
    expect(bad.code).not.toBe(0);
    expect(`${bad.stdout}${bad.stderr}`).toContain("permitted subtree violation");
    // control: the same CA key forging a leaf inside the constraints verifies, so the verdict is about the name
    const control = forgeWithHomeCa(ws, { dns: ["localhost"], ip: ["127.0.0.1"] }, "control");
    expect((await verify(ws, control.crt)).stdout).toContain(": OK");

    const registry = await serve(forged.crt, forged.key);
    const result = await push(ws, `127.0.0.1:${registry.port}`, "nc/forged");
    expect(result.code).not.toBe(0);
    expect(goError(result)).toContain("x509: a root or intermediate certificate is not authorized to sign for this name");
    expect(goError(result)).toContain('DNS name "evil.example" is not permitted by any constraint');
  }, SLOW);

  test("a forged leaf for an IP outside 127.0.0.0/8 fails both too", async () => {
    const forged = forgeWithHomeCa(ws, { dns: ["localhost"], ip: ["127.0.0.1", "192.0.2.10"] }, "extra-ip");
    const bad = await verify(ws, forged.crt);
    expect(`${bad.stdout}${bad.stderr}`).toContain("permitted subtree violation");
    const registry = await serve(forged.crt, forged.key);
    const result = await push(ws, `localhost:${registry.port}`, "nc/forged-ip");
    expect(result.code).not.toBe(0);
    expect(goError(result)).toContain("not authorized to sign for this name");
    expect(goError(result)).toContain("192.0.2.10");
  }, SLOW);
});

describeE2e("CA constrained to DNS names only: every IP is excluded", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = workspace();
    await regcert(ws, ["init-ca", "--permit-dns", "registry.local", "--permit-dns", ".corp.example"]);
  }, SLOW);

  test("ca.crt permits the DNS subtrees and excludes 0.0.0.0/0 and ::/0", async () => {
    const text = await x509Text(join(ws.home, "ca.crt"));
    expect(text).toMatch(/Permitted:\s+DNS:registry\.local\s+DNS:\.corp\.example\s+Excluded:\s+IP:0\.0\.0\.0\/0\.0\.0\.0\s+IP:0:0:0:0:0:0:0:0\/0:0:0:0:0:0:0:0/);
  });

  test("'.corp.example' covers subdomains only: a.corp.example issues and verifies, corp.example is refused", async () => {
    await regcert(ws, ["issue", "a.corp.example", "--out", "sub"]);
    expect((await verify(ws, join(ws.dir, "sub", "registry.crt"))).stdout).toContain(": OK");
    const apex = await runCli(["issue", "corp.example", "--out", "apex"], { cwd: ws.dir, env: ws.env });
    expect(apex.code).toBe(2);
    expectOneLineError(apex);
  });

  test("regcert refuses any IP SAN (exit 2)", async () => {
    const result = await runCli(["issue", "registry.local", "--ip", "127.0.0.1", "--out", "ip"], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expectOneLineError(result);
    expect(result.stderr).toContain("IP 127.0.0.1 is excluded by the CA's name constraints");
  });

  test("a forged IP-only leaf fails openssl verify (excluded subtree violation) and skopeo by IP", async () => {
    const forged = forgeWithHomeCa(ws, { dns: [], ip: ["127.0.0.1"] }, "ip-only");
    const bad = await verify(ws, forged.crt);
    expect(bad.code).not.toBe(0);
    expect(`${bad.stdout}${bad.stderr}`).toContain("excluded subtree violation");
    const registry = await serve(forged.crt, forged.key);
    const result = await push(ws, `127.0.0.1:${registry.port}`, "nc/forged-ip-only");
    expect(result.code).not.toBe(0);
    expect(goError(result)).toContain("x509: a root or intermediate certificate is not authorized to sign for this name");
    expect(goError(result)).toContain('IP address "127.0.0.1"');
  }, SLOW);

  test("a forged leaf for DNS:localhost is refused by skopeo with Go's exact text", async () => {
    const forged = forgeWithHomeCa(ws, { dns: ["localhost"], ip: [] }, "localhost");
    expect(`${(await verify(ws, forged.crt)).stdout}${(await verify(ws, forged.crt)).stderr}`).toContain("permitted subtree violation");
    const registry = await serve(forged.crt, forged.key);
    const result = await push(ws, `localhost:${registry.port}`, "nc/forged-localhost");
    expect(result.code).not.toBe(0);
    expect(goError(result)).toContain('x509: a root or intermediate certificate is not authorized to sign for this name: DNS name "localhost" is not permitted by any constraint');
  }, SLOW);
});

describeOpenssl("why DNS-only constraints need the IP exclusions (RFC 5280 §4.2.1.10)", () => {
  test("a CA permitting only DNS:registry.local but excluding nothing: openssl accepts a leaf for IP:8.8.8.8", async () => {
    const ws = workspace();
    const open = forgeCa({ commonName: "Unsafe constrained CA", extensions: [nameConstraintsExtension({ permittedDns: ["registry.local"], permittedIp: [], excludedDns: [], excludedIp: [] })] });
    const caDer = decodePemOrDer(open.certificatePem, ["CERTIFICATE"], "ca")[0] as Uint8Array;
    const leaf = forgeLeaf({ caKey: open.key, caName: rawSubjectName(caDer), names: { dns: [], ip: ["8.8.8.8"] } });
    mkdirSync(ws.dir, { recursive: true });
    writeFileSync(join(ws.dir, "open-ca.crt"), open.certificatePem);
    writeFileSync(join(ws.dir, "leaf.crt"), leaf.certificatePem);
    const result = await openssl(["verify", "-CAfile", join(ws.dir, "open-ca.crt"), join(ws.dir, "leaf.crt")]);
    expect(result.stdout).toContain(": OK");
  });
});
