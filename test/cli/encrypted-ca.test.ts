/**
 * Encrypted CA key, judged by OpenSSL: `init-ca --encrypt` (asked twice on a real pseudo-terminal)
 * or `--passphrase-file` writes PKCS#8 that `openssl pkey -passin file:…` opens, and whose KDF
 * (`openssl asn1parse`) is PBES2 / PBKDF2 / hmacWithSHA256 / ≥ 600,000 iterations / aes-256-cbc.
 * issue and sign unlock it; with no terminal and no file they stop with exit 2 and a hint (no hang);
 * empty passphrases are refused; `regcert ca passphrase` changes, adds or removes it atomically.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, type CliResult } from "../helpers/cli.js";
import { type Workspace, workspacePool } from "../helpers/workspace.js";
import { openssl } from "../helpers/openssl.js";
import { toolAvailable } from "../helpers/run-tool.js";
import { modeOf, sha256File } from "../helpers/tree.js";
import { expectOneLineError, guardTree, leftovers } from "../hostile/harness.js";
import { ptyAvailable, runCliOnPty } from "../hostile/pty.js";

const hasOpenssl = toolAvailable("openssl");
const itOpenssl = hasOpenssl ? test : test.skip;
const itPty = ptyAvailable() ? test : test.skip;

const workspace = workspacePool("regcert-enc-");

const cli = (ws: Workspace, args: string[], input?: string): Promise<CliResult> => runCli(args, { cwd: ws.dir, env: ws.env, timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });

function secretFile(ws: Workspace, name: string, text: string): string {
  const path = join(ws.dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

async function expectOk(result: CliResult): Promise<void> {
  if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stdout}\n${result.stderr}`);
}

/** The KDF of an encrypted PKCS#8 file as `openssl asn1parse` prints it. */
async function kdfOf(keyPath: string): Promise<{ objects: string[]; iterations: number }> {
  const parsed = await openssl(["asn1parse", "-in", keyPath]);
  expect(parsed.code).toBe(0);
  const objects = [...parsed.stdout.matchAll(/OBJECT\s+:(\S+)/g)].map((m) => m[1] as string);
  // PBKDF2-params: salt OCTET STRING, then iterationCount INTEGER (hex)
  const integer = /prim: INTEGER\s+:([0-9A-F]+)/.exec(parsed.stdout);
  return { objects, iterations: integer ? parseInt(integer[1] as string, 16) : NaN };
}

async function publicKeyOfCert(certPath: string): Promise<string> {
  const r = await openssl(["x509", "-in", certPath, "-noout", "-pubkey"]);
  expect(r.code).toBe(0);
  return r.stdout;
}

describe("init-ca --passphrase-file", () => {
  let ws: Workspace;
  let pass: string;
  beforeAll(async () => {
    ws = workspace();
    pass = secretFile(ws, "pass.txt", "correct horse battery staple\n");
    await expectOk(await cli(ws, ["init-ca", "--passphrase-file", pass]));
  });

  test("writes an ENCRYPTED PRIVATE KEY, mode 0600, in a 0700 home", () => {
    const key = readFileSync(join(ws.home, "ca.key"), "utf8");
    expect(key).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(key).not.toContain("BEGIN PRIVATE KEY");
    expect(modeOf(join(ws.home, "ca.key"))).toBe(0o600);
    expect(modeOf(ws.home)).toBe(0o700);
  });

  itOpenssl("openssl pkey -passin file: opens it, and it is the key of ca.crt", async () => {
    const opened = await openssl(["pkey", "-in", join(ws.home, "ca.key"), "-passin", `file:${pass}`, "-pubout"]);
    expect(opened.code).toBe(0);
    expect(opened.stdout).toBe(await publicKeyOfCert(join(ws.home, "ca.crt")));
  });

  itOpenssl("openssl refuses it with a wrong passphrase (the judge can say no)", async () => {
    const wrong = secretFile(ws, "wrong.txt", "correct horse battery stapler\n");
    const opened = await openssl(["pkey", "-in", join(ws.home, "ca.key"), "-passin", `file:${wrong}`, "-noout"]);
    expect(opened.code).not.toBe(0);
  });

  itOpenssl("openssl asn1parse: PBES2, PBKDF2 with hmacWithSHA256, ≥ 600,000 iterations, aes-256-cbc", async () => {
    const { objects, iterations } = await kdfOf(join(ws.home, "ca.key"));
    expect(objects).toEqual(["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"]);
    expect(iterations).toBeGreaterThanOrEqual(600_000);
  });

  itOpenssl("issue --passphrase-file unlocks it; the leaf verifies against ca.crt", async () => {
    await expectOk(await cli(ws, ["issue", "--dns", "registry.local", "--out", "certs", "--passphrase-file", pass]));
    const verify = await openssl(["verify", "-CAfile", join(ws.home, "ca.crt"), join(ws.dir, "certs", "registry.crt")]);
    expect(verify.stdout).toContain(": OK");
  });

  itOpenssl("sign --passphrase-file unlocks it for an openssl CSR", async () => {
    const csrKey = join(ws.dir, "ext.key");
    const csr = join(ws.dir, "ext.csr");
    expect((await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", csrKey, "-subj", "/CN=ext.local", "-out", csr])).code).toBe(0);
    await expectOk(await cli(ws, ["sign", "--csr", csr, "--dns", "ext.local", "--out", "signed", "--passphrase-file", pass]));
    const verify = await openssl(["verify", "-CAfile", join(ws.home, "ca.crt"), join(ws.dir, "signed", "ext.crt")]);
    expect(verify.stdout).toContain(": OK");
  });

  test("issue with no terminal and no file: exit 2 with the hint, at once, nothing written", async () => {
    const guard = guardTree(ws.dir);
    const started = Date.now();
    const result = await cli(ws, ["issue", "--dns", "registry.local", "--out", "nofile"]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.code).toBe(2);
    expectOneLineError(result);
    expect(result.stderr).toContain("encrypted and no passphrase was given");
    expect(result.stderr).toMatch(/^hint: pass --passphrase-file FILE/m);
    guard.unchanged();
  });

  test("a wrong passphrase: exit 2 'wrong passphrase', nothing written", async () => {
    const wrong = secretFile(ws, "wrong2.txt", "nope\n");
    const guard = guardTree(ws.dir);
    const result = await cli(ws, ["issue", "--dns", "registry.local", "--out", "wrongpass", "--passphrase-file", wrong]);
    expect(result.code).toBe(2);
    expectOneLineError(result);
    expect(result.stderr).toContain("wrong passphrase");
    guard.unchanged();
  });
});

describe("first use", () => {
  test("issue --passphrase-file on an empty home creates the CA with its key encrypted under that passphrase", async () => {
    const ws = workspace();
    const pass = secretFile(ws, "first.txt", "first use\n");
    await expectOk(await cli(ws, ["issue", "--dns", "registry.local", "--out", "certs", "--passphrase-file", pass]));
    expect(readFileSync(join(ws.home, "ca.key"), "utf8")).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(modeOf(join(ws.home, "ca.key"))).toBe(0o600);
    if (hasOpenssl) expect((await openssl(["pkey", "-in", join(ws.home, "ca.key"), "-passin", `file:${pass}`, "-noout"])).code).toBe(0);
    const again = await cli(ws, ["issue", "--dns", "registry.local", "--out", "again"]);
    expect(again.code).toBe(2);
    expectOneLineError(again);
  });
});

describe("refusals before anything is created", () => {
  test.each([
    ["an empty file", ""],
    ["a file with only a newline", "\n"],
    ["a file whose first line is empty", "\nsecret on line two\n"],
  ])("init-ca --passphrase-file with %s: exit 2, no CA", async (_what, text) => {
    const ws = workspace();
    const file = secretFile(ws, "empty.txt", text);
    const result = await cli(ws, ["init-ca", "--passphrase-file", file]);
    expect(result.code).toBe(2);
    expectOneLineError(result);
    expect(result.stderr).toContain("empty");
    expect(existsSync(join(ws.home, "ca.key"))).toBe(false);
    expect(leftovers(ws.dir)).toEqual([]);
  });

  test("init-ca --encrypt without a terminal: exit 2 with a hint, no CA, no hang", async () => {
    const ws = workspace();
    const result = await cli(ws, ["init-ca", "--encrypt"]);
    expect(result.code).toBe(2);
    expectOneLineError(result);
    expect(result.stderr).toMatch(/^hint: pass --passphrase-file FILE/m);
    expect(existsSync(join(ws.home, "ca.key"))).toBe(false);
  });

  test("a passphrase file that is a directory or /dev/zero: exit 2, no CA", async () => {
    const ws = workspace();
    for (const file of [ws.dir, "/dev/zero"]) {
      const result = await cli(ws, ["init-ca", "--passphrase-file", file]);
      expect(result.code).toBe(2);
      expectOneLineError(result);
    }
    expect(existsSync(join(ws.home, "ca.key"))).toBe(false);
  });
});

describe("on a terminal (pseudo-terminal)", () => {
  itPty("init-ca --encrypt asks twice; openssl opens the key with that passphrase; issue asks once", async () => {
    const ws = workspace();
    const created = runCliOnPty(["init-ca", "--encrypt"], { cwd: ws.dir, env: ws.env, script: [["New CA key passphrase", "typed at a tty"], ["Again, to confirm", "typed at a tty"]] });
    expect(created).toMatchObject({ code: 0, pending: 0 });
    expect(created.output).toContain("encrypted");
    expect(created.output).not.toContain("typed at a tty");
    const pass = secretFile(ws, "typed.txt", "typed at a tty\n");
    if (hasOpenssl) expect((await openssl(["pkey", "-in", join(ws.home, "ca.key"), "-passin", `file:${pass}`, "-noout"])).code).toBe(0);
    const issued = runCliOnPty(["issue", "--dns", "registry.local", "--out", "certs"], { cwd: ws.dir, env: ws.env, script: [["CA key passphrase", "typed at a tty"]] });
    expect(issued).toMatchObject({ code: 0, pending: 0 });
    expect(existsSync(join(ws.dir, "certs", "registry.crt"))).toBe(true);
  });

  itPty("ca passphrase on a terminal: asks for the current one once and the new one twice", async () => {
    const ws = workspace();
    const old = secretFile(ws, "old.txt", "old secret\n");
    await expectOk(await cli(ws, ["init-ca", "--passphrase-file", old]));
    const changed = runCliOnPty(["ca", "passphrase"], {
      cwd: ws.dir,
      env: ws.env,
      script: [
        ["CA key passphrase", "old secret"],
        ["New CA key passphrase", "new secret"],
        ["Again, to confirm", "new secret"],
      ],
    });
    expect(changed).toMatchObject({ code: 0, pending: 0 });
    expect(changed.output).toContain("Changed the passphrase");
    if (hasOpenssl) {
      const fresh = secretFile(ws, "new.txt", "new secret\n");
      expect((await openssl(["pkey", "-in", join(ws.home, "ca.key"), "-passin", `file:${fresh}`, "-noout"])).code).toBe(0);
      expect((await openssl(["pkey", "-in", join(ws.home, "ca.key"), "-passin", `file:${old}`, "-noout"])).code).not.toBe(0);
    }
  });

  itPty("two different entries: exit 2, no CA", () => {
    const ws = workspace();
    const result = runCliOnPty(["init-ca", "--encrypt"], { cwd: ws.dir, env: ws.env, script: [["New CA key passphrase", "one thing"], ["Again, to confirm", "another thing"]] });
    expect(result.code).toBe(2);
    expect(result.output).toContain("do not match");
    expect(existsSync(join(ws.home, "ca.key"))).toBe(false);
  });

  itPty("an empty entry is refused: exit 2, no CA", () => {
    const ws = workspace();
    const result = runCliOnPty(["init-ca", "--encrypt"], { cwd: ws.dir, env: ws.env, script: [["New CA key passphrase", ""]] });
    expect(result.code).toBe(2);
    expect(result.output).toContain("empty passphrase");
    expect(existsSync(join(ws.home, "ca.key"))).toBe(false);
  });
});

describe("regcert ca passphrase", () => {
  let ws: Workspace;
  let p1: string;
  let p2: string;
  let certHash: string;
  let publicKey: string;
  beforeAll(async () => {
    ws = workspace();
    p1 = secretFile(ws, "p1.txt", "first passphrase\n");
    p2 = secretFile(ws, "p2.txt", "second passphrase\n");
    await expectOk(await cli(ws, ["init-ca"]));
    certHash = sha256File(join(ws.home, "ca.crt"));
    publicKey = hasOpenssl ? await publicKeyOfCert(join(ws.home, "ca.crt")) : "";
  });

  const keyPath = () => join(ws.home, "ca.key");

  async function opensWith(pass: string | undefined): Promise<boolean> {
    const args = ["pkey", "-in", keyPath(), "-pubout", "-passin", pass ? `file:${pass}` : "pass:"];
    const r = await openssl(args);
    if (r.code === 0) expect(r.stdout).toBe(publicKey);
    return r.code === 0;
  }

  test("adds a passphrase to an unencrypted key", async () => {
    expect(readFileSync(keyPath(), "utf8")).toContain("BEGIN PRIVATE KEY");
    await expectOk(await cli(ws, ["ca", "passphrase", "--new-passphrase-file", p1]));
    expect(readFileSync(keyPath(), "utf8")).toContain("BEGIN ENCRYPTED PRIVATE KEY");
    expect(modeOf(keyPath())).toBe(0o600);
    if (hasOpenssl) expect(await opensWith(p1)).toBe(true);
  });

  test("changes it: the old passphrase stops working, the new one works, the key and ca.crt stay the same", async () => {
    await expectOk(await cli(ws, ["ca", "passphrase", "--passphrase-file", p1, "--new-passphrase-file", p2]));
    if (hasOpenssl) {
      expect(await opensWith(p1)).toBe(false);
      expect(await opensWith(p2)).toBe(true);
      expect((await kdfOf(keyPath())).iterations).toBeGreaterThanOrEqual(600_000);
    }
    expect(sha256File(join(ws.home, "ca.crt"))).toBe(certHash);
    expect(leftovers(ws.dir)).toEqual([]);
  });

  test("a wrong current passphrase changes nothing (exit 2)", async () => {
    const guard = guardTree(ws.dir);
    const result = await cli(ws, ["ca", "passphrase", "--passphrase-file", p1, "--new-passphrase-file", p1]);
    expect(result.code).toBe(2);
    expectOneLineError(result);
    guard.unchanged();
  });

  test("no terminal and no files: exit 2 with a hint, nothing changed", async () => {
    const guard = guardTree(ws.dir);
    const result = await cli(ws, ["ca", "passphrase"]);
    expect(result.code).toBe(2);
    expectOneLineError(result);
    expect(result.stderr).toMatch(/^hint: /m);
    guard.unchanged();
  });

  test("an empty new passphrase is refused, nothing changed", async () => {
    const empty = secretFile(ws, "empty.txt", "\n");
    const guard = guardTree(ws.dir);
    const result = await cli(ws, ["ca", "passphrase", "--passphrase-file", p2, "--new-passphrase-file", empty]);
    expect(result.code).toBe(2);
    expectOneLineError(result);
    guard.unchanged();
  });

  test("--remove stores it unencrypted again (0600, with a warning); issue then needs no passphrase", async () => {
    const result = await cli(ws, ["ca", "passphrase", "--passphrase-file", p2, "--remove"]);
    await expectOk(result);
    expect(result.stderr).toMatch(/^warning: .*unencrypted/m);
    expect(readFileSync(keyPath(), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(modeOf(keyPath())).toBe(0o600);
    if (hasOpenssl) expect(await opensWith(undefined)).toBe(true);
    await expectOk(await cli(ws, ["issue", "--dns", "registry.local", "--out", "after-remove"]));
    expect(sha256File(join(ws.home, "ca.crt"))).toBe(certHash);
  });

  test("a ca.key made read-only by its owner is still replaced atomically (rename), mode 0600", async () => {
    chmodSync(keyPath(), 0o400);
    await expectOk(await cli(ws, ["ca", "passphrase", "--new-passphrase-file", p1]));
    expect(modeOf(keyPath())).toBe(0o600);
    expect(leftovers(ws.dir)).toEqual([]);
  });
});
