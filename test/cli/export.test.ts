/**
 * `regcert export NAME --p12 / --truststore / --fullchain` through the built CLI, judged by OpenSSL
 * (`openssl pkcs12 -info`: MAC and decryption with the right password, refused with a wrong one; the
 * key inside is the issued key) and by Java (`keytool -list -storetype PKCS12`: PrivateKeyEntry with a
 * chain of 2, trustedCertEntry for the truststore). Both tools are required (CI installs openssl and
 * openjdk-17-jre-headless); a missing tool fails these tests.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CliResult, runCli, tempWorkspace } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { runTool } from "../helpers/run-tool.js";

type Workspace = ReturnType<typeof tempWorkspace>;
const PASSWORD = "correct horse battery staple";

let ws: Workspace;
let pwFile: string;
let wrongFile: string;
const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: ws.dir, env: ws.env, timeoutMs: 120_000 });
async function ok(args: string[]): Promise<CliResult> {
  const result = await cli(args);
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}
const certs = (file: string) => join(ws.dir, "certs", file);
const keytool = (args: string[]) => runTool("keytool", ["-list", "-storetype", "PKCS12", ...args], { timeoutMs: 120_000 });
const info = (file: string, passin: string, extra: string[] = []) => openssl(["pkcs12", "-info", "-in", file, "-passin", passin, "-noenc", ...extra], { timeoutMs: 120_000 });

beforeAll(async () => {
  ws = tempWorkspace("regcert-export-");
  pwFile = join(ws.dir, "pw.txt");
  wrongFile = join(ws.dir, "wrong.txt");
  writeFileSync(pwFile, `${PASSWORD}\n`);
  writeFileSync(wrongFile, "not the password\n");
  await ok(["issue", "--dns", "registry.local", "--ip", "192.168.0.12"]);
}, 120_000);
afterAll(() => ws.cleanup());

describe("export --p12 (PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256, MAC SHA-256)", () => {
  let p12: string;
  beforeAll(async () => {
    await ok(["export", "registry", "--p12", "--password-file", pwFile]);
    p12 = certs("registry.p12");
  }, 120_000);

  test("written 0600 beside the certificate", () => {
    expect(statSync(p12).mode & 0o777).toBe(0o600);
  });

  test("openssl: MAC verifies with the password; key, certificate and CA inside; the key is the issued one", async () => {
    const result = await info(p12, `file:${pwFile}`);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("MAC: sha256");
    expect(result.stderr).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
    expect(result.stderr).toMatch(/PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC/);
    expect(result.stdout).toContain("friendlyName: registry");
    expect(result.stdout).toMatch(/subject=O = regcert, CN = registry\.local/);
    expect(result.stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    const keyFromP12 = join(ws.dir, "from-p12.key");
    writeFileSync(keyFromP12, result.stdout.slice(result.stdout.indexOf("-----BEGIN PRIVATE KEY-----")), { mode: 0o600 });
    const a = await openssl(["pkey", "-in", keyFromP12, "-pubout"]);
    const b = await openssl(["pkey", "-in", certs("registry.key"), "-pubout"]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  }, 120_000);

  test("openssl refuses a wrong password", async () => {
    const result = await info(p12, `file:${wrongFile}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Mac verify error");
  }, 120_000);

  test("keytool: one PrivateKeyEntry named after the certificate, chain of 2; wrong password refused", async () => {
    const good = await keytool(["-v", "-keystore", p12, "-storepass:file", pwFile]);
    expect(good.stderr).toBe("");
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("Your keystore contains 1 entry");
    expect(good.stdout).toMatch(/Alias name: registry\n/);
    expect(good.stdout).toContain("Entry type: PrivateKeyEntry");
    expect(good.stdout).toContain("Certificate chain length: 2");
    const bad = await keytool(["-keystore", p12, "-storepass:file", wrongFile]);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain("keystore password was incorrect");
  }, 120_000);

  test("an existing keystore is not replaced without --force", async () => {
    const before = readFileSync(p12);
    const result = await cli(["export", "registry", "--p12", "--password-file", pwFile]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^regcert: .*registry\.p12/m);
    expect(readFileSync(p12).equals(before)).toBe(true);
    await ok(["export", "registry", "--p12", "--password-file", pwFile, "--force"]);
    expect(readFileSync(p12).equals(before)).toBe(false);
  }, 120_000);
});

describe("export --p12 --legacy (3DES, SHA-1 MAC) for Java 8", () => {
  test("openssl -legacy reads it with the password and refuses a wrong one; keytool lists the key", async () => {
    const out = join(ws.dir, "legacy");
    await ok(["export", "registry", "--p12", "--legacy", "--password-file", pwFile, "--out", out]);
    const p12 = join(out, "registry.p12");
    const good = await info(p12, `file:${pwFile}`, ["-legacy"]);
    expect(good.code).toBe(0);
    expect(good.stderr).toContain("MAC: sha1");
    expect(good.stderr).toContain("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC");
    expect(good.stderr).toContain("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC");
    const bad = await info(p12, `file:${wrongFile}`, ["-legacy"]);
    expect(bad.code).not.toBe(0);
    const java = await keytool(["-keystore", p12, "-storepass:file", pwFile]);
    expect(java.code).toBe(0);
    expect(java.stdout).toMatch(/^registry, .*PrivateKeyEntry/m);
  }, 120_000);
});

describe("export --truststore --fullchain", () => {
  let out: string;
  beforeAll(async () => {
    out = join(ws.dir, "trust");
    await ok(["export", "registry", "--truststore", "--fullchain", "--password-file", pwFile, "--out", out]);
  }, 120_000);

  test("keytool lists the CA as trustedCertEntry, and only the CA", async () => {
    const result = await keytool(["-v", "-keystore", join(out, "registry.truststore.p12"), "-storepass:file", pwFile]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Your keystore contains 1 entry");
    expect(result.stdout).toMatch(/^Alias name: regcert-ca$/m);
    expect(result.stdout).toContain("Entry type: trustedCertEntry");
    const caFingerprint = (await openssl(["x509", "-in", join(ws.home, "ca.crt"), "-noout", "-fingerprint", "-sha256"])).stdout.split("=")[1]?.trim();
    expect(caFingerprint).toMatch(/^[0-9A-F:]{95}$/);
    expect(result.stdout).toContain(`SHA256: ${caFingerprint}`);
  }, 120_000);

  test("openssl: the Java trust attribute, no key, MAC SHA-256", async () => {
    const result = await info(join(out, "registry.truststore.p12"), `file:${pwFile}`);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("MAC: sha256");
    expect(result.stdout).toContain("2.16.840.1.113894.746875.1.1");
    expect(result.stdout).not.toContain("PRIVATE KEY");
    expect(result.stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
  }, 120_000);

  test("fullchain.pem is the certificate then the CA, and openssl verifies it", async () => {
    const pem = readFileSync(join(out, "registry.fullchain.pem"), "utf8");
    expect(pem).toBe(readFileSync(certs("registry.crt"), "utf8") + readFileSync(join(ws.home, "ca.crt"), "utf8"));
    const result = await openssl(["verify", "-CAfile", join(ws.home, "ca.crt"), join(out, "registry.fullchain.pem")]);
    expect(result.stdout).toContain(": OK");
  }, 120_000);
});

describe("refusals: exit 2, one line and a hint, nothing written", () => {
  const refused = async (args: string[], message: RegExp, hint: RegExp) => {
    const out = join(ws.dir, `refused-${Math.random().toString(36).slice(2)}`);
    const result = await cli([...args, "--out", out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(hint);
    expect(existsSync(out)).toBe(false);
  };

  test("no password file and no terminal", () => refused(["export", "registry", "--p12"], /^regcert: a keystore password is needed/m, /^hint: pass --password-file FILE/m), 60_000);
  test("an empty password", async () => {
    const empty = join(ws.dir, "empty.txt");
    writeFileSync(empty, "\n");
    await refused(["export", "registry", "--p12", "--password-file", empty], /^regcert: the passphrase in .* is empty/m, /^hint: /m);
  }, 60_000);
  test("nothing selected", () => refused(["export", "registry"], /^regcert: say what to export/m, /^hint: add --p12/m), 60_000);
  test("an unknown name", () => refused(["export", "nope", "--p12", "--password-file", pwFile], /^regcert: no certificate named "nope"/m, /^hint: regcert status/m), 60_000);
  test("--no-password with --password-file", () => refused(["export", "registry", "--p12", "--no-password", "--password-file", pwFile], /^regcert: --no-password and --password-file/m, /^hint: /m), 60_000);
});

test("--no-password: explicit, warned; openssl reads it with an empty password and no MAC", async () => {
  const out = join(ws.dir, "nopw");
  const result = await ok(["export", "registry", "--p12", "--no-password", "--out", out]);
  expect(result.stderr).toContain("warning: the keystore has no password");
  const read = await info(join(out, "registry.p12"), "pass:");
  expect(read.code).toBe(0);
  expect(read.stderr).toContain("MAC is absent");
  expect(read.stdout).toContain("BEGIN PRIVATE KEY");
}, 120_000);
