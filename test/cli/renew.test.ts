/**
 * `regcert renew` through the built CLI, judged by openssl: the same SANs and profile, a new serial,
 * a new key unless --reuse-key, verification against the right CA (also across a CA rotation), the
 * restart line, --all --within, certificates made by `sign`, and — with a failure injected midway
 * through replacing the files — old files left intact.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CliResult } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { sha256File, treeState } from "../helpers/tree.js";
import { loadIssuer } from "../../src/files/ca-store.js";
import { readTrustBundle } from "../../src/files/home.js";
import { currentEntries, readIndex } from "../../src/files/index-store.js";
import { applyRenewal, planRenewal } from "../../src/lifecycle/renew.js";
import { generateKeyPair } from "../../src/pki/keys.js";
import { cliIn, okIn, type Workspace, workspacePool } from "../helpers/workspace.js";

const workspace = workspacePool("regcert-renew-");

const cli = (ws: Workspace, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => cliIn(ws, args, { env });
const ok = (ws: Workspace, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => okIn(ws, args, { env });

async function tool(args: string[]): Promise<string> {
  const result = await openssl(args);
  if (result.code !== 0) throw new Error(`${result.command}: ${result.stderr}`);
  return result.stdout;
}

/** The profile as openssl sees it: SANs, basicConstraints, keyUsage, EKU. */
const profileOf = (crt: string) => tool(["x509", "-in", crt, "-noout", "-ext", "subjectAltName,basicConstraints,keyUsage,extendedKeyUsage", "-subject"]);
const serialOf = async (crt: string) => (await tool(["x509", "-in", crt, "-noout", "-serial"])).trim();
const pubkeyOfCert = (crt: string) => tool(["x509", "-in", crt, "-noout", "-pubkey"]);
const pubkeyOfKey = (key: string) => tool(["pkey", "-in", key, "-pubout"]);
const verify = (caFile: string, crt: string) => openssl(["verify", "-x509_strict", "-CAfile", caFile, crt]);

describe("renew NAME: same names and profile, new serial, new key", () => {
  let ws: Workspace;
  let crt: string;
  let key: string;
  let before: { profile: string; serial: string; keySha: string; pubkey: string };
  let result: CliResult;

  beforeAll(async () => {
    ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local", "--dns", "reg.example.com", "--ip", "192.168.0.12", "--ip", "::1", "--key", "rsa-2048"]);
    crt = join(ws.dir, "certs", "registry.crt");
    key = join(ws.dir, "certs", "registry.key");
    before = { profile: await profileOf(crt), serial: await serialOf(crt), keySha: sha256File(key), pubkey: await pubkeyOfCert(crt) };
    result = await ok(ws, ["renew", "registry"]);
  });

  test("openssl sees the same SANs, basicConstraints, keyUsage (RSA: + keyEncipherment), EKU and subject", async () => {
    const after = await profileOf(crt);
    expect(after).toBe(before.profile);
    expect(after).toContain("DNS:registry.local, DNS:reg.example.com, IP Address:192.168.0.12, IP Address:0:0:0:0:0:0:0:1");
    expect(after).toContain("Digital Signature, Key Encipherment");
    expect(after).toContain("TLS Web Server Authentication");
  });

  test("a new serial, a new key of the same type, and the key matches the certificate", async () => {
    expect(await serialOf(crt)).not.toBe(before.serial);
    expect(sha256File(key)).not.toBe(before.keySha);
    expect(await pubkeyOfCert(crt)).not.toBe(before.pubkey);
    expect(await pubkeyOfCert(crt)).toBe(await pubkeyOfKey(key));
    expect(await tool(["pkey", "-in", key, "-noout", "-text"])).toContain("Private-Key: (2048 bit");
    expect(readFileSync(join(ws.dir, "certs", "registry.pem"), "utf8")).toBe(readFileSync(crt, "utf8"));
  });

  test("verifies against the CA; the CSR beside it is for the new key", async () => {
    const v = await verify(join(ws.home, "ca.crt"), crt);
    expect(v.stdout.trim()).toBe(`${crt}: OK`);
    const csr = join(ws.dir, "certs", "registry.csr");
    expect((await openssl(["req", "-in", csr, "-noout", "-verify"])).code).toBe(0);
    expect(await tool(["req", "-in", csr, "-noout", "-pubkey"])).toBe(await pubkeyOfKey(key));
  });

  test("prints what it replaced and the restart line for docker run / compose", () => {
    expect(result.stdout).toMatch(/^✓ Renewed registry: DNS:registry\.local, DNS:reg\.example\.com, IP:192\.168\.0\.12, IP:::1 \(rsa-2048, new key, expires \d{4}-\d\d-\d\d\)$/m);
    expect(result.stdout).toContain("Reload: the registry reads its certificate only when it starts. Restart it (registry):");
    expect(result.stdout).toContain("docker restart registry");
    expect(result.stdout).toContain("docker compose restart registry");
    expect(result.stdout).toContain("Clients trust the CA, not the certificate: they need nothing new.");
  });

  test("the index now lists the new certificate as current, the old one as replaced", async () => {
    const status = JSON.parse((await cli(ws, ["status", "--json"])).stdout);
    expect(status.certificates).toHaveLength(1);
    expect(`serial=${status.certificates[0].serial.toUpperCase()}`).toBe(await serialOf(crt));
    expect(status.certificates[0].command).toBe("renew");
    expect(readIndex(ws.home).entries).toHaveLength(2);
  });
});

test("--reuse-key keeps the key file byte for byte; --days sets the new length", async () => {
  const ws = workspace();
  await ok(ws, ["issue", "--dns", "registry.local"]);
  const crt = join(ws.dir, "certs", "registry.crt");
  const key = join(ws.dir, "certs", "registry.key");
  const keySha = sha256File(key);
  const serial = await serialOf(crt);
  const out = await ok(ws, ["renew", "--cert", "certs/registry.crt", "--reuse-key", "--days", "90", "--json"]);
  const json = JSON.parse(out.stdout);
  expect(json.renewed[0]).toMatchObject({ name: "registry", newKey: false, dns: ["registry.local"] });
  expect((Date.parse(json.renewed[0].notAfter) - Date.parse(json.renewed[0].notBefore)) / 86_400_000).toBe(90);
  expect(sha256File(key)).toBe(keySha);
  expect(await serialOf(crt)).not.toBe(serial);
  expect(await pubkeyOfCert(crt)).toBe(await pubkeyOfKey(key));
  expect(json.reload[0]).toMatch(/^Reload: the registry reads its certificate only when it starts/);
});

test("a failure injected midway through replacing the files leaves the old set intact", async () => {
  const ws = workspace();
  await ok(ws, ["issue", "--dns", "registry.local", "--ip", "127.0.0.1"]);
  const certs = join(ws.dir, "certs");
  const before = treeState(certs);
  const entry = currentEntries(readIndex(ws.home).entries)[0]!;
  const issuer = loadIssuer(ws.home)!.issuer;
  const planned = await planRenewal({ entry }, issuer, { trustBundle: readTrustBundle(ws.home)!, reuseKey: false, now: new Date(), generateKey: generateKeyPair });
  expect(planned.plan.map((p) => p.path.slice(certs.length + 1))).toEqual(["registry.key", "registry.csr", "registry.crt", "registry.pem", "ca.crt"]);
  // key and CSR are already replaced when the certificate's rename "fails"
  expect(() =>
    applyRenewal(planned, {
      beforePublish: (path) => {
        if (path.endsWith("registry.crt")) throw new Error("injected failure");
      },
    }),
  ).toThrow(/injected failure/);
  expect(treeState(certs)).toEqual(before);
  expect(await pubkeyOfCert(join(certs, "registry.crt"))).toBe(await pubkeyOfKey(join(certs, "registry.key")));
  // and a real renew afterwards still works
  await ok(ws, ["renew", "registry"]);
  expect(treeState(certs)).not.toEqual(before);
  expect(readdirSync(certs).filter((f) => f.startsWith("."))).toEqual([]);
});

test("a certificate made by `sign` is renewed by signing the same CSR again (the key was never ours)", async () => {
  const ws = workspace();
  const key = join(ws.dir, "mirror.key");
  const csr = join(ws.dir, "mirror.csr");
  await tool(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/CN=mirror.local", "-addext", "subjectAltName=DNS:mirror.local,IP:10.0.0.7", "-out", csr]);
  await ok(ws, ["sign", "--csr", csr]);
  const crt = join(ws.dir, "certs", "mirror.crt");
  const profile = await profileOf(crt);
  const serial = await serialOf(crt);
  const out = await ok(ws, ["renew", "mirror"]);
  expect(out.stdout).toMatch(/✓ Renewed mirror: DNS:mirror\.local, IP:10\.0\.0\.7 \(ecdsa-p256, same CSR and key, /);
  expect(await profileOf(crt)).toBe(profile);
  expect(await serialOf(crt)).not.toBe(serial);
  expect(await pubkeyOfCert(crt)).toBe(await pubkeyOfKey(key));
  // and again, from the renewed record
  await ok(ws, ["renew", "mirror"]);
  expect(await pubkeyOfCert(crt)).toBe(await pubkeyOfKey(key));
});

describe("renew --all --within", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = workspace();
    await ok(ws, ["issue", "--dns", "long.local", "--name", "long"]);
    await ok(ws, ["issue", "--dns", "mid.local", "--name", "mid", "--days", "60"]);
    await ok(ws, ["issue", "--dns", "short.local", "--name", "short", "--days", "20"]);
  });
  const serials = () => Object.fromEntries(currentEntries(readIndex(ws.home).entries).map((e) => [e.name, e.serial]));

  test("--dry-run lists what is due and changes nothing", async () => {
    const before = serials();
    const out = await ok(ws, ["renew", "--all", "--dry-run"]);
    expect(out.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^would renew short: certs\/short\.crt \(expires /)]);
    expect(serials()).toEqual(before);
  });

  test("--within 30 renews only the 20-day certificate (keeping its 20-day length); --within 90 also the 60-day one", async () => {
    const before = serials();
    const first = await ok(ws, ["renew", "--all", "--within", "30", "--json"]);
    expect(JSON.parse(first.stdout).renewed.map((r: { name: string }) => r.name)).toEqual(["short"]);
    const after = serials();
    expect(after.short).not.toBe(before.short);
    expect({ long: after.long, mid: after.mid }).toEqual({ long: before.long, mid: before.mid });
    // renewed with the same 20-day length, so it is due again at once: --within 10 finds nothing
    const none = await ok(ws, ["renew", "--all", "--within", "10"]);
    expect(none.stdout).toContain("Nothing to renew: nothing expires within 10 days.");
    const second = await ok(ws, ["renew", "--all", "--within", "90", "--json"]);
    expect(JSON.parse(second.stdout).renewed.map((r: { name: string }) => r.name).sort()).toEqual(["mid", "short"]);
  });

  test("an expired certificate (a year later) is renewed, and status is clean at that time", async () => {
    const later = { REGCERT_NOW: new Date(Date.now() + 400 * 86_400_000).toISOString() };
    expect((await cli(ws, ["status", "--quiet"], later)).code).toBe(4);
    await ok(ws, ["renew", "--all"], later);
    // the 20-day certificate keeps its 20 days, so it is still inside the default 30-day window
    expect((await cli(ws, ["status", "--quiet"], later)).code).toBe(3);
    expect((await cli(ws, ["status", "--quiet", "--warn-days", "10"], later)).code).toBe(0);
  });
});

test("--cert FILE for a certificate the index lost is adopted; a foreign certificate is refused", async () => {
  const ws = workspace();
  await ok(ws, ["issue", "--dns", "registry.local"]);
  rmSync(join(ws.home, "index.json"));
  rmSync(join(ws.home, "issued"), { recursive: true });
  const crt = join(ws.dir, "certs", "registry.crt");
  const profile = await profileOf(crt);
  const out = await ok(ws, ["renew", "--cert", crt]);
  expect(out.stdout).toContain("✓ Renewed registry: DNS:registry.local");
  expect(await profileOf(crt)).toBe(profile);

  const other = workspace();
  await ok(other, ["issue", "--dns", "registry.local"]);
  writeFileSync(join(ws.dir, "foreign.crt"), readFileSync(join(other.dir, "certs", "registry.crt")));
  const refused = await cli(ws, ["renew", "--cert", "foreign.crt"]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toBe("regcert: foreign.crt was not signed by this home's CA\nhint: renew only certificates this CA issued; pass --home for another CA home\n");
});

describe("user errors exit 2 with one line and a hint", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local"]);
  });
  test.each([
    [[], "say what to renew: a NAME, --cert FILE or --all"],
    [["registry", "--all"], "give only one of NAME, --cert FILE and --all"],
    [["registry", "--within", "10"], "--within only works with --all"],
    [["nosuch"], 'no certificate named "nosuch" in the index of'],
    [["registry", "--days", "900"], "--days 900 is above 825"],
    [["--cert", "missing.crt"], "cannot read --cert missing.crt: ENOENT"],
  ])("renew %j", async (args, message) => {
    const before = treeState(join(ws.dir, "certs"));
    const result = await cli(ws, ["renew", ...args]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toContain(`regcert: ${message}`);
    expect(lines.length).toBeLessThanOrEqual(2);
    if (lines[1]) expect(lines[1]).toMatch(/^hint: /);
    expect(treeState(join(ws.dir, "certs"))).toEqual(before);
  });
});

describe("renew across a CA rotation", () => {
  let ws: Workspace;
  let oldCa: string;
  beforeAll(async () => {
    ws = workspace();
    await ok(ws, ["issue", "--dns", "registry.local", "--ip", "127.0.0.1"]);
    oldCa = join(ws.dir, "old-ca.crt");
    writeFileSync(oldCa, readFileSync(join(ws.home, "ca.crt")));
    await ok(ws, ["ca", "rotate"]);
  });

  test("status: rollover, the old-CA certificate is due (exit 3); retire-old is refused until it is renewed", async () => {
    const status = JSON.parse((await cli(ws, ["status", "--json"])).stdout);
    expect(status).toMatchObject({ rollover: true, exitCode: 3 });
    expect(status.cas.map((c: { role: string }) => c.role)).toEqual(["current", "previous"]);
    expect(status.certificates[0]).toMatchObject({ state: "due", issuer: { trust: "previous" } });
    const refused = await cli(ws, ["ca", "retire-old"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^regcert: 1 certificate\(s\) are still signed by the old CA: registry \(certs\/registry\.crt\)\nhint: renew them/);
  });

  test("renew issues under the new CA: openssl verifies it with the new CA only, not the old; ca.crt beside it holds both", async () => {
    const out = await ok(ws, ["renew", "--all"]);
    expect(out.stdout).toContain("(now signed by the new CA)");
    expect(out.stdout).toContain("restart only after every client trusts the overlap bundle");
    const crt = join(ws.dir, "certs", "registry.crt");
    const newCa = join(ws.dir, "new-ca.crt");
    writeFileSync(newCa, readFileSync(join(ws.home, "ca.crt")));
    expect((await verify(newCa, crt)).code).toBe(0);
    expect((await verify(oldCa, crt)).code).not.toBe(0);
    const bundle = readFileSync(join(ws.dir, "certs", "ca.crt"), "utf8");
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect((await verify(join(ws.dir, "certs", "ca.crt"), crt)).code).toBe(0);
    expect((await cli(ws, ["status", "--quiet"])).code).toBe(0);
  });

  test("then retire-old succeeds; the old CA's key is gone; status has one CA", async () => {
    const out = await ok(ws, ["ca", "retire-old"]);
    expect(out.stdout).toMatch(/^✓ Retired the old CA "regcert CA .*": it is no longer in the trust bundle; its key was deleted$/m);
    expect(readdirSync(ws.home).filter((f) => f.startsWith("previous"))).toEqual([]);
    const status = JSON.parse((await cli(ws, ["status", "--json"])).stdout);
    expect(status).toMatchObject({ rollover: false, exitCode: 0 });
    expect(readTrustBundle(ws.home)!.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
  });
});

describe("ca rotate copies the old CA's settings", () => {
  test("key type, validity, O, path length, name constraints and encryption (same passphrase); distinct dated CN", async () => {
    const ws = workspace();
    const pass = join(ws.dir, "pass.txt");
    writeFileSync(pass, "correct horse\n");
    await ok(ws, ["init-ca", "--cn", "Example Registry CA 2025-01-01", "--org", "Example", "--days", "1000", "--key", "ecdsa-p384", "--max-path-len", "1", "--permit-dns", "registry.local", "--permit-ip", "10.0.0.0/8", "--passphrase-file", pass]);
    const oldCa = join(ws.dir, "old-ca.crt");
    writeFileSync(oldCa, readFileSync(join(ws.home, "ca.crt")));
    const describe = (file: string) => tool(["x509", "-in", file, "-noout", "-ext", "basicConstraints,keyUsage,nameConstraints", "-subject"]);
    const days = async (file: string) => {
      const text = await tool(["x509", "-in", file, "-noout", "-startdate", "-enddate"]);
      const [start, end] = [...text.matchAll(/=(.*)$/gm)].map((m) => Date.parse(m[1]!));
      return Math.round((end! - start!) / 86_400_000);
    };

    // an encrypted CA key needs its passphrase, and no terminal is there to ask
    const refused = await cli(ws, ["ca", "rotate"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^regcert: the CA key in .* is encrypted and no passphrase was given\nhint: pass --passphrase-file FILE/);
    expect(readFileSync(join(ws.home, "ca.crt"))).toEqual(readFileSync(oldCa));

    const out = await ok(ws, ["ca", "rotate", "--passphrase-file", pass], { REGCERT_NOW: "2026-11-01T12:00:00Z" });
    expect(out.stdout).toMatch(/^✓ New CA "Example Registry CA 2026-11-01" \(ecdsa-p384, expires \d{4}-\d\d-\d\d\) is now the home's CA$/m);
    const newCa = join(ws.home, "ca.crt");
    expect((await describe(newCa)).replace(/2026-11-01/, "DATE")).toBe((await describe(oldCa)).replace(/2025-01-01/, "DATE"));
    expect(await describe(newCa)).toContain("Permitted:\n      DNS:registry.local\n      IP:10.0.0.0/255.0.0.0");
    expect(await days(newCa)).toBe(1000);
    expect(await tool(["x509", "-in", newCa, "-noout", "-text"])).toContain("ASN1 OID: secp384r1");
    const keyPem = readFileSync(join(ws.home, "ca.key"), "utf8");
    expect(keyPem).toContain("BEGIN ENCRYPTED PRIVATE KEY");
    expect(await tool(["pkey", "-in", join(ws.home, "ca.key"), "-passin", `file:${pass}`, "-pubout"])).toBe(await pubkeyOfCert(newCa));

    // one overlap at a time
    const again = await cli(ws, ["ca", "rotate", "--passphrase-file", pass]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^regcert: a CA rollover is already in progress: "Example Registry CA 2025-01-01" is still trusted next to "Example Registry CA 2026-11-01"\nhint: finish it first/);
    // and issuing now uses the new CA
    await ok(ws, ["issue", "--dns", "registry.local", "--passphrase-file", pass]);
    expect((await verify(newCa, join(ws.dir, "certs", "registry.crt"))).code).toBe(0);
    expect((await verify(oldCa, join(ws.dir, "certs", "registry.crt"))).code).not.toBe(0);
  });

  test("retire-old without a rollover, and rotate without a CA, are user errors", async () => {
    const ws = workspace();
    const noCa = await cli(ws, ["ca", "rotate"]);
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toMatch(/^regcert: no CA in .* to rotate\nhint: /);
    await ok(ws, ["init-ca"]);
    const none = await cli(ws, ["ca", "retire-old"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^regcert: no CA rollover is in progress in .*: there is no old CA to retire\nhint: start one with regcert ca rotate\n$/);
  });
});
