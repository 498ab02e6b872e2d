/**
 * `regcert inspect` through the built CLI: certificates, chains, CSRs, plain and encrypted keys, DER,
 * stdin, a certificate Go cannot parse; the --json schema regcert.inspect/v1; never key material.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, runCli, tempWorkspace } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { toolAvailable } from "../helpers/run-tool.js";

const ws = tempWorkspace("regcert-inspect-");
const certs = join(ws.dir, "certs");
const path = (name: string) => join(certs, name);

/** base64 lines of the private key's PEM body: none of them may ever appear in inspect's output */
function keyMaterialLines(pemPath: string): string[] {
  return readFileSync(pemPath, "utf8")
    .split("\n")
    .filter((l) => l.length >= 16 && !l.startsWith("-----"));
}

beforeAll(async () => {
  const r = await runCli(["--yes", "issue", "registry.test", "192.168.0.12", "--out", certs], { cwd: ws.dir, env: ws.env });
  expect(r.code).toBe(0);
}, 60_000);
afterAll(() => ws.cleanup());

describe("regcert inspect", () => {
  test("a certificate: names, validity with days left, key, usages, fingerprint", async () => {
    const r = await runCli(["inspect", path("registry.crt")], { cwd: ws.dir, env: ws.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^certificate: O=regcert, CN=registry\.test\n/);
    expect(r.stdout).toContain("SANs          DNS:registry.test, IP:192.168.0.12");
    expect(r.stdout).toMatch(/\((39[67]) days left\)/);
    expect(r.stdout).toContain("basic constr. CA:FALSE (critical)");
    expect(r.stdout).toContain("ext. usage    serverAuth");
    expect(r.stdout).toMatch(/key {11}ecdsa-p256 \(public key SHA-256 [0-9a-f]{64}\)/);
    expect(r.stdout).toMatch(/SHA-256 {7}([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  });

  test("a chain (leaf + CA) says whether each certificate is signed by the next", async () => {
    const chain = join(ws.dir, "chain.pem");
    writeFileSync(chain, readFileSync(path("registry.crt"), "utf8") + readFileSync(path("ca.crt"), "utf8"));
    const j = JSON.parse((await runCli(["--json", "inspect", chain], { cwd: ws.dir })).stdout) as { items: Array<Record<string, unknown>> };
    expect(j.items.map((i) => i.type)).toEqual(["certificate", "certificate"]);
    expect(j.items[0]?.issuedByNext).toBe(true);
    expect(j.items[1]).toMatchObject({ selfSigned: true, basicConstraints: { ca: true, pathLen: 0, critical: true }, keyUsage: ["certSign", "crlSign"] });
    const reversed = join(ws.dir, "reversed.pem");
    writeFileSync(reversed, readFileSync(path("ca.crt"), "utf8") + readFileSync(path("registry.crt"), "utf8"));
    const k = JSON.parse((await runCli(["--json", "inspect", reversed], { cwd: ws.dir })).stdout) as { items: Array<Record<string, unknown>> };
    expect(k.items[0]?.issuedByNext).toBe(false);
  });

  test("--json schema regcert.inspect/v1 for a certificate", async () => {
    const j = JSON.parse((await runCli(["--json", "inspect", path("registry.crt")], { cwd: ws.dir })).stdout) as { schema: string; items: Array<Record<string, unknown>> };
    expect(j.schema).toBe("regcert.inspect/v1");
    const c = j.items[0] as Record<string, unknown>;
    expect(Object.keys(c).sort()).toEqual(
      ["authorityKeyId", "basicConstraints", "daysLeft", "extendedKeyUsage", "fingerprintSha256", "issuer", "key", "keyUsage", "nameConstraints", "notAfter", "notBefore", "san", "selfSigned", "serial", "signatureAlgorithm", "status", "subject", "subjectKeyId", "type"].sort(),
    );
    expect(c).toMatchObject({ type: "certificate", status: "valid", selfSigned: false, san: { dns: ["registry.test"], ip: ["192.168.0.12"] }, keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth"], signatureAlgorithm: "ECDSA-SHA256" });
    expect(c.key).toMatchObject({ algorithm: "ecdsa-p256", bits: 256 });
  });

  test("a key: type, size and the same public-key fingerprint as its certificate; never key material", async () => {
    const cert = JSON.parse((await runCli(["--json", "inspect", path("registry.crt")], { cwd: ws.dir })).stdout) as { items: Array<{ key: { publicKeyFingerprintSha256: string } }> };
    for (const args of [["--json", "inspect", path("registry.key")], ["inspect", path("registry.key")]]) {
      const r = await runCli(args, { cwd: ws.dir });
      expect(r.code).toBe(0);
      for (const line of keyMaterialLines(path("registry.key"))) expect(r.stdout).not.toContain(line);
      expect(r.stdout).not.toContain("PRIVATE KEY-----");
      expect(r.stdout).toContain(cert.items[0]?.key.publicKeyFingerprintSha256 as string);
    }
    const j = JSON.parse((await runCli(["--json", "inspect", path("registry.key")], { cwd: ws.dir })).stdout) as { items: unknown[] };
    expect(j.items).toEqual([{ type: "privateKey", encrypted: false, key: { algorithm: "ecdsa-p256", bits: 256, publicKeyFingerprintSha256: cert.items[0]?.key.publicKeyFingerprintSha256 } }]);
  });

  (toolAvailable("openssl") ? test : test.skip)("an encrypted key: encrypted, how, and nothing else", async () => {
    const enc = join(ws.dir, "enc.key");
    const r = await openssl(["pkcs8", "-topk8", "-in", path("registry.key"), "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256", "-iter", "600000", "-passout", "pass:secret", "-out", enc]);
    expect(r.code).toBe(0);
    const out = await runCli(["--json", "inspect", enc], { cwd: ws.dir });
    expect(out.code).toBe(0);
    const j = JSON.parse(out.stdout) as { items: Array<Record<string, unknown>> };
    expect(j.items[0]).toMatchObject({ type: "privateKey", encrypted: true, key: null, encryption: { kdf: "PBKDF2", iterations: 600000 } });
    for (const line of keyMaterialLines(enc)) expect(out.stdout).not.toContain(line);
    const human = await runCli(["inspect", enc], { cwd: ws.dir });
    expect(human.stdout).toMatch(/^private key: encrypted \(PBKDF2 600000 iterations/);
  });

  test("a CSR, from standard input", async () => {
    const r = await runCli(["--json", "inspect", "-"], { cwd: ws.dir, input: readFileSync(path("registry.csr")) });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { items: Array<Record<string, unknown>> };
    expect(j.items[0]).toMatchObject({ type: "csr", san: { dns: ["registry.test"], ip: ["192.168.0.12"] }, key: { algorithm: "ecdsa-p256" } });
  });

  (toolAvailable("openssl") ? test : test.skip)("a DER certificate", async () => {
    const der = join(ws.dir, "registry.der");
    expect((await openssl(["x509", "-in", path("registry.crt"), "-outform", "DER", "-out", der])).code).toBe(0);
    const j = JSON.parse((await runCli(["--json", "inspect", der], { cwd: ws.dir })).stdout) as { items: Array<Record<string, unknown>> };
    expect(j.items[0]).toMatchObject({ type: "certificate", san: { dns: ["registry.test"], ip: ["192.168.0.12"] } });
  });

  test("a certificate Go cannot parse is a user error naming Go's reason (issue 11)", async () => {
    const vectors = JSON.parse(readFileSync(join(REPO, "test", "fixtures", "limbo", "limbo-subset.json"), "utf8")) as Array<{ id: string; leaf_pem: string }>;
    const dup = vectors.find((v) => v.id === "rfc5280::duplicate-extensions");
    expect(dup).toBeDefined();
    const file = join(ws.dir, "dup.pem");
    writeFileSync(file, dup?.leaf_pem ?? "");
    for (const args of [["--json", "inspect", file], ["inspect", file]]) {
      const r = await runCli(args, { cwd: ws.dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^regcert: the certificate is not a valid X\.509 certificate: x509: certificate contains duplicate extension with OID "[0-9.]+" \(Go clients cannot load it\)\nhint: /);
    }
  });

  test("input that is none of these: exit 2, one message, no stack", async () => {
    const junk = join(ws.dir, "junk.txt");
    writeFileSync(junk, "hello, not a certificate\n");
    const r = await runCli(["inspect", junk], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: the input is neither PEM nor DER\nhint: /);
    const missing = await runCli(["inspect", join(ws.dir, "nope.crt")], { cwd: ws.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^regcert: .*nope\.crt does not exist/);
  });
});
