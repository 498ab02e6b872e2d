/**
 * Adopting an existing CA: the one the seeds made with
 *   openssl req -x509 -sha256 -days 1825 -newkey rsa:2048 -keyout rootCA.key -out rootCA.crt
 * (an encrypted key, a CA with no keyUsage) is accepted with a warning, re-encrypted with our KDF,
 * and issues leaves that `openssl verify` accepts against the ORIGINAL rootCA.crt. Mismatched pairs,
 * CA:FALSE, a keyUsage without keyCertSign, an expired CA and weak keys are refused with nothing
 * written.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, type CliResult } from "../helpers/cli.js";
import { type Workspace, workspacePool } from "../helpers/workspace.js";
import { openssl } from "../helpers/openssl.js";
import { toolAvailable } from "../helpers/run-tool.js";
import { modeOf, sha256File } from "../helpers/tree.js";
import { forgeCa } from "../hostile/forge.js";
import { expectOneLineError, guardTree, leftovers } from "../hostile/harness.js";

const describeOpenssl = toolAvailable("openssl") ? describe : describe.skip;

const workspace = workspacePool("regcert-import-");

const cli = (ws: Workspace, args: string[]): Promise<CliResult> => runCli(args, { cwd: ws.dir, env: ws.env, timeoutMs: 30_000 });

function expectOk(result: CliResult): void {
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stdout}\n${result.stderr}`);
}

async function ossl(args: string[], cwd: string): Promise<string> {
  const r = await openssl(args, { cwd });
  if (r.code !== 0) throw new Error(`${r.command}: ${r.stderr}`);
  return r.stdout;
}

/** The seeds' recipe, non-interactive (-subj, -passout): an encrypted rootCA.key and a rootCA.crt without keyUsage. */
async function seedsCa(dir: string, extra: string[] = [], keyArgs: string[] = ["-newkey", "rsa:2048"]): Promise<{ crt: string; key: string; pass: string }> {
  const pass = join(dir, "seed-pass.txt");
  writeFileSync(pass, "seed passphrase\n");
  await ossl(["req", "-x509", "-sha256", "-days", "1825", ...keyArgs, "-keyout", "rootCA.key", "-out", "rootCA.crt", "-subj", "/CN=Seed Root CA/O=seeds", "-passout", `file:${pass}`, ...extra], dir);
  return { crt: join(dir, "rootCA.crt"), key: join(dir, "rootCA.key"), pass };
}

async function refused(ws: Workspace, args: string[], message: RegExp): Promise<void> {
  const guard = guardTree(ws.dir);
  const result = await cli(ws, args);
  expect(result.code).toBe(2);
  expectOneLineError(result);
  expect(result.stderr).toMatch(message);
  guard.unchanged();
  expect(existsSync(join(ws.home, "ca.key"))).toBe(false);
}

describeOpenssl("the seeds' openssl CA", () => {
  let ws: Workspace;
  let seed: { crt: string; key: string; pass: string };
  let imported: CliResult;
  beforeAll(async () => {
    ws = workspace();
    seed = await seedsCa(ws.dir);
    imported = await cli(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", seed.key, "--passphrase-file", seed.pass]);
  });

  test("really is what the seeds describe: an encrypted key with openssl's weak default KDF, and no keyUsage", async () => {
    expect(readFileSync(seed.key, "utf8")).toContain("BEGIN ENCRYPTED PRIVATE KEY");
    const text = await ossl(["x509", "-in", seed.crt, "-noout", "-text"], ws.dir);
    expect(text).toContain("CA:TRUE");
    expect(text).not.toContain("Key Usage");
    const kdf = await ossl(["asn1parse", "-in", seed.key], ws.dir);
    expect(parseInt(/prim: INTEGER\s+:([0-9A-F]+)/.exec(kdf)?.[1] ?? "0", 16)).toBeLessThan(600_000);
  });

  test("is adopted, with a warning about the missing keyUsage", () => {
    expectOk(imported);
    expect(imported.stderr).toMatch(/^warning: .*no keyUsage/m);
    expect(imported.stdout).toContain('Adopted CA "Seed Root CA"');
  });

  test("ca.crt in the home is the original certificate, byte for byte (as DER)", async () => {
    const der = async (p: string) => (await openssl(["x509", "-in", p, "-outform", "DER"], { cwd: ws.dir })).stdout;
    expect(await der(join(ws.home, "ca.crt"))).toBe(await der(seed.crt));
  });

  test("ca.key is re-encrypted with our KDF (PBKDF2-HMAC-SHA256 ≥ 600,000, AES-256-CBC), 0600, same passphrase", async () => {
    const keyPath = join(ws.home, "ca.key");
    expect(modeOf(keyPath)).toBe(0o600);
    const parsed = await ossl(["asn1parse", "-in", keyPath], ws.dir);
    expect([...parsed.matchAll(/OBJECT\s+:(\S+)/g)].map((m) => m[1])).toEqual(["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"]);
    expect(parseInt(/prim: INTEGER\s+:([0-9A-F]+)/.exec(parsed)?.[1] ?? "0", 16)).toBeGreaterThanOrEqual(600_000);
    const a = await ossl(["pkey", "-in", keyPath, "-passin", `file:${seed.pass}`, "-pubout"], ws.dir);
    const b = await ossl(["x509", "-in", seed.crt, "-noout", "-pubkey"], ws.dir);
    expect(a).toBe(b);
  });

  test("issues a leaf that openssl verify accepts against the original rootCA.crt (and only against it)", async () => {
    expectOk(await cli(ws, ["issue", "--dns", "registry.conn-me.ru", "--ip", "192.168.0.12", "--out", "certs", "--passphrase-file", seed.pass]));
    const leaf = join(ws.dir, "certs", "registry.crt");
    const ok = await openssl(["verify", "-CAfile", seed.crt, "-purpose", "sslserver", "-verify_hostname", "registry.conn-me.ru", leaf], { cwd: ws.dir });
    expect(ok.stdout).toContain(": OK");
    const other = forgeCa({ commonName: "Seed Root CA" });
    writeFileSync(join(ws.dir, "other-ca.crt"), other.certificatePem);
    const bad = await openssl(["verify", "-CAfile", join(ws.dir, "other-ca.crt"), leaf], { cwd: ws.dir });
    expect(bad.code).not.toBe(0);
  });

  test("importing again without --force is refused; the home is unchanged", async () => {
    const before = sha256File(join(ws.home, "ca.key"));
    const result = await cli(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", seed.key, "--passphrase-file", seed.pass]);
    expect(result.code).toBe(2);
    expectOneLineError(result);
    expect(result.stderr).toContain("already exists");
    expect(sha256File(join(ws.home, "ca.key"))).toBe(before);
  });
});

describeOpenssl("other key formats", () => {
  test("an unencrypted PKCS#1 RSA key is adopted, stored as PKCS#8, unencrypted with a warning", async () => {
    const ws = workspace();
    await ossl(["genrsa", "-traditional", "-out", "ca.key", "2048"], ws.dir);
    await ossl(["req", "-x509", "-sha256", "-days", "365", "-key", "ca.key", "-out", "ca.crt", "-subj", "/CN=PKCS1 CA"], ws.dir);
    expect(readFileSync(join(ws.dir, "ca.key"), "utf8")).toContain("BEGIN RSA PRIVATE KEY");
    const result = await cli(ws, ["init-ca", "--import-cert", "ca.crt", "--import-key", "ca.key"]);
    expectOk(result);
    expect(result.stderr).toMatch(/^warning: .*unencrypted/m);
    expect(readFileSync(join(ws.home, "ca.key"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(modeOf(join(ws.home, "ca.key"))).toBe(0o600);
  });

  test("a traditional encrypted PEM (Proc-Type: 4,ENCRYPTED) is opened and re-encrypted with our KDF", async () => {
    const ws = workspace();
    writeFileSync(join(ws.dir, "p.txt"), "legacy pass\n");
    await ossl(["genrsa", "-traditional", "-aes256", "-passout", "file:p.txt", "-out", "ca.key", "2048"], ws.dir);
    await ossl(["req", "-x509", "-sha256", "-days", "365", "-key", "ca.key", "-passin", "file:p.txt", "-out", "ca.crt", "-subj", "/CN=Legacy CA"], ws.dir);
    expect(readFileSync(join(ws.dir, "ca.key"), "utf8")).toContain("Proc-Type: 4,ENCRYPTED");
    expectOk(await cli(ws, ["init-ca", "--import-cert", "ca.crt", "--import-key", "ca.key", "--passphrase-file", "p.txt"]));
    const parsed = await ossl(["asn1parse", "-in", join(ws.home, "ca.key")], ws.dir);
    expect(parsed).toContain("hmacWithSHA256");
  });

  test("an unencrypted key adopted with --passphrase-file is stored encrypted", async () => {
    const ws = workspace();
    await ossl(["req", "-x509", "-sha256", "-days", "365", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=EC CA"], ws.dir);
    writeFileSync(join(ws.dir, "p.txt"), "new pass\n");
    expectOk(await cli(ws, ["init-ca", "--import-cert", "ca.crt", "--import-key", "ca.key", "--passphrase-file", "p.txt"]));
    expect(readFileSync(join(ws.home, "ca.key"), "utf8")).toContain("BEGIN ENCRYPTED PRIVATE KEY");
    await ossl(["pkey", "-in", join(ws.home, "ca.key"), "-passin", "file:p.txt", "-noout"], ws.dir);
  });
});

describeOpenssl("refused imports (exit 2, nothing written)", () => {
  test("a key that does not belong to the certificate", async () => {
    const ws = workspace();
    const seed = await seedsCa(ws.dir);
    await ossl(["genrsa", "-out", "other.key", "2048"], ws.dir);
    await refused(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", "other.key"], /is not the private key of/);
  });

  test("a CA:FALSE certificate", async () => {
    const ws = workspace();
    const seed = await seedsCa(ws.dir, ["-addext", "basicConstraints=critical,CA:FALSE"]);
    await refused(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", seed.key, "--passphrase-file", seed.pass], /not a CA certificate/);
  });

  test("a CA:FALSE certificate is refused before the key's passphrase is even asked for", async () => {
    const ws = workspace();
    const seed = await seedsCa(ws.dir, ["-addext", "basicConstraints=critical,CA:FALSE"]);
    await refused(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", seed.key], /not a CA certificate/);
  });

  test("a self-signed CA whose signature was altered", async () => {
    const ws = workspace();
    const seed = await seedsCa(ws.dir);
    await ossl(["x509", "-in", seed.crt, "-outform", "DER", "-out", "ca.der"], ws.dir);
    const der = readFileSync(join(ws.dir, "ca.der"));
    der[der.length - 10] = (der[der.length - 10] as number) ^ 0x01;
    writeFileSync(join(ws.dir, "tampered.der"), der);
    await refused(ws, ["init-ca", "--import-cert", "tampered.der", "--import-key", seed.key, "--passphrase-file", seed.pass], /signature does not verify/);
  });

  test("a CA whose keyUsage lacks keyCertSign", async () => {
    const ws = workspace();
    const seed = await seedsCa(ws.dir, ["-addext", "keyUsage=critical,digitalSignature,cRLSign"]);
    await refused(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", seed.key, "--passphrase-file", seed.pass], /keyCertSign/);
  });

  test("an expired CA", async () => {
    const ws = workspace();
    const expired = forgeCa({ notBefore: new Date("2020-01-01T00:00:00Z"), notAfter: new Date("2021-01-01T00:00:00Z") });
    writeFileSync(join(ws.dir, "old.crt"), expired.certificatePem);
    writeFileSync(join(ws.dir, "old.key"), expired.keyPem, { mode: 0o600 });
    await refused(ws, ["init-ca", "--import-cert", "old.crt", "--import-key", "old.key"], /expired on 2021-01-01/);
  });

  test("an RSA-1024 CA", async () => {
    const ws = workspace();
    await ossl(["req", "-x509", "-sha256", "-days", "365", "-newkey", "rsa:1024", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Weak CA"], ws.dir);
    await refused(ws, ["init-ca", "--import-cert", "ca.crt", "--import-key", "ca.key"], /1024-bit RSA/);
  });

  test("the wrong passphrase for the imported key", async () => {
    const ws = workspace();
    const seed = await seedsCa(ws.dir);
    writeFileSync(join(ws.dir, "wrong.txt"), "not it\n");
    await refused(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", seed.key, "--passphrase-file", "wrong.txt"], /wrong passphrase/);
  });

  test("an encrypted key with no passphrase and no terminal: exit 2 with the hint, no hang", async () => {
    const ws = workspace();
    const seed = await seedsCa(ws.dir);
    await refused(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", seed.key], /is encrypted and no passphrase was given/);
  });

  test("--import-cert without --import-key, and with creation flags (--key)", async () => {
    const ws = workspace();
    const seed = await seedsCa(ws.dir);
    await refused(ws, ["init-ca", "--import-cert", seed.crt], /go together/);
    await refused(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", seed.key, "--key", "rsa-2048"], /cannot be used with option '--key/);
  });

  test("a certificate file that is garbage, or a key file that is a certificate", async () => {
    const ws = workspace();
    const seed = await seedsCa(ws.dir);
    writeFileSync(join(ws.dir, "garbage.crt"), "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n");
    await refused(ws, ["init-ca", "--import-cert", "garbage.crt", "--import-key", seed.key], /garbage\.crt/);
    await refused(ws, ["init-ca", "--import-cert", seed.crt, "--import-key", seed.crt], /rootCA\.crt/);
    expect(leftovers(ws.dir)).toEqual([]);
  });
});

describe("the adopted CA's name reaches the terminal escaped", () => {
  // ui.info keeps regcert's own colour sequences (ESC[32m …) in a line; a CN is outside text, so
  // the command escapes it itself: neither a colour nor a screen-clearing sequence gets through.
  test("a CN with ESC sequences is printed as \\x1b text, and --json carries it as data", async () => {
    const ws = workspace();
    const evil = "Evil\u001b[32m\u001b[2J CA";
    const ca = forgeCa({ commonName: evil });
    writeFileSync(join(ws.dir, "ca.crt"), ca.certificatePem);
    writeFileSync(join(ws.dir, "ca.key"), ca.keyPem);
    const result = await cli(ws, ["init-ca", "--import-cert", "ca.crt", "--import-key", "ca.key"]);
    expectOk(result);
    expect(result.stdout).not.toContain("\u001b");
    expect(result.stdout).toContain('Adopted CA "Evil\\x1b[32m\\x1b[2J CA"');
    const json = await cli(workspace(), ["--json", "init-ca", "--import-cert", join(ws.dir, "ca.crt"), "--import-key", join(ws.dir, "ca.key")]);
    expectOk(json);
    expect(JSON.parse(json.stdout)).toMatchObject({ command: "init-ca", imported: true, key: expect.stringMatching(/ca\.key$/), commonName: evil, maxPathLen: 0, nameConstraints: null });
  });
});
