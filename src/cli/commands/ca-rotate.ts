/**
 * regcert ca rotate: start a CA rollover. A new root CA replaces ca.crt/ca.key (so issue, sign and
 * renew use it from now on); the old one moves to previous-ca.* and stays in the trust bundle until
 * `regcert ca retire-old`. The new CA copies the old one's key type, validity length, organization,
 * path length and name constraints, and gets a distinct CN carrying its creation date, so trust
 * stores that find certificates by name never mistake one for the other. An encrypted ca.key stays
 * encrypted, with the same passphrase.
 *
 * Certificates `acme serve` issued are not renewed by regcert (their ACME clients hold the keys): they
 * are listed apart, and a running `acme serve` is named, since it keeps signing with the old key until
 * it is restarted (it loads the CA once, at start).
 */
import { createRootCa } from "../../pki/ca.js";
import { userError } from "../../pki/errors.js";
import type { CaCertificateInfo } from "../../pki/issuer.js";
import { KEY_ALGORITHMS, describeKey, parseKeyAlgorithm, type KeyAlgorithm } from "../../pki/keys.js";
import { isEncryptedKeyPem } from "../../pki/pkcs8.js";
import { validityDays } from "../../pki/status.js";
import { validateDays } from "../../pki/validity.js";
import { loadIssuer, privateKeyPemFor } from "../../files/ca-store.js";
import { readStoredCa, withHomeLock } from "../../files/home.js";
import { readIndex } from "../../files/index-store.js";
import { rolloverPaths, rotateCa } from "../../files/rollover.js";
import { serverLockOwner } from "../../files/server-lock.js";
import { acmeDir } from "../../acme/file-store.js";
import { certificatesToRenew, describeAcmeUse } from "../../lifecycle/rollover-uses.js";
import type { Context } from "../context.js";
import { generateKeyWithProgress } from "../ca-access.js";
import { lifecycleNow } from "../clock.js";
import { parseWholeNumber } from "../options.js";
import { displayPath } from "../paths.js";
import { readPassphrase } from "../passphrase.js";

export interface CaRotateFlags {
  cn?: string;
  days?: string;
  key?: string;
  passphraseFile?: string;
}

const DATE_SUFFIX = / \d{4}-\d{2}-\d{2}(?: \(\d+\))?$/;

/**
 * The new CA's CN: the old CN with its creation date replaced by today's ("regcert CA alice@host
 * 2026-11-24" -> "… 2027-03-01"), or "(2)", "(3)" … when that is still the old name. At most 64 characters.
 */
export function rotatedCommonName(previous: string | undefined, now: Date): string {
  const base = (previous ?? "regcert root CA").replace(DATE_SUFFIX, "");
  const date = now.toISOString().slice(0, 10);
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? ` ${date}` : ` ${date} (${n})`;
    const name = `${base.slice(0, 64 - suffix.length)}${suffix}`;
    if (name !== previous) return name;
  }
}

function inheritedKeyAlgorithm(info: CaCertificateInfo): KeyAlgorithm {
  const algorithm = describeKey(info.publicKey).algorithm;
  return (KEY_ALGORITHMS as readonly string[]).includes(algorithm) ? (algorithm as KeyAlgorithm) : "ecdsa-p256";
}

export async function run(ctx: Context, flags: CaRotateFlags): Promise<void> {
  const home = ctx.home();
  const now = lifecycleNow(ctx.env);
  const requestedKey = flags.key === undefined ? undefined : parseKeyAlgorithm(flags.key);
  const requestedDays = flags.days === undefined ? undefined : validateDays(parseWholeNumber(flags.days, "--days", 3650), "a CA");
  if (flags.cn !== undefined && (flags.cn.length === 0 || flags.cn.length > 64)) throw userError("regcert.invalidCn", `--cn must be 1 to 64 characters`, "e.g. --cn \"Example registry CA 2027\"");

  const result = await withHomeLock(home, async () => {
    const stored = readStoredCa(home);
    if (!stored) throw userError("regcert.noCa", `no CA in ${home} to rotate`, "create one with `regcert init-ca`, or pass --home DIR");
    // unlock the old key first: proves the operator holds the CA, and gives the passphrase for the new key
    const encrypted = isEncryptedKeyPem(stored.keyPem);
    const passphrase = encrypted ? await readPassphrase(ctx, flags.passphraseFile, home) : undefined;
    const loaded = loadIssuer(home, { passphrase });
    if (!loaded) throw userError("regcert.noCa", `no CA in ${home}`, "create one with `regcert init-ca`, or pass --home DIR");
    const old = loaded.issuer.certificate;
    const commonName = flags.cn ?? rotatedCommonName(old.commonName, now);
    if (commonName === old.commonName) throw userError("regcert.sameCaName", `--cn "${commonName}" is the current CA's name`, "give the new CA a distinct name, or leave out --cn");
    const keyAlgorithm = requestedKey ?? inheritedKeyAlgorithm(old);
    const keyPair = await generateKeyWithProgress(ctx, keyAlgorithm, "CA key");
    const ca = createRootCa(
      {
        commonName,
        organization: old.organization ?? "regcert",
        days: requestedDays ?? validityDays(old),
        keyPair,
        maxPathLen: old.pathLen ?? 0,
        ...(old.nameConstraints ? { nameConstraints: old.nameConstraints } : {}),
      },
      { now },
    );
    const rotated = rotateCa(home, { certificatePem: ca.certificatePem, privateKeyPem: privateKeyPemFor(ca.privateKey, passphrase) });
    return { ca, keyAlgorithm, encrypted, ...rotated };
  });

  const { ca, previous } = result;
  const info = ca.issuer.certificate;
  const underOld = certificatesToRenew(readIndex(home).entries, previous.fingerprint, now);
  const acmeServer = serverLockOwner(acmeDir(home));
  const paths = rolloverPaths(home);
  if (ctx.ui.json) {
    ctx.ui.result({
      command: "ca rotate",
      home,
      resumed: result.resumed,
      current: { commonName: info.commonName ?? null, fingerprint: info.fingerprint, keyAlgorithm: result.keyAlgorithm, notBefore: ca.notBefore.toISOString(), notAfter: ca.notAfter.toISOString(), encrypted: result.encrypted },
      previous: { commonName: previous.commonName ?? null, fingerprint: previous.fingerprint, notAfter: previous.notAfter.toISOString(), certificate: paths.previousCertificate },
      certificatesToRenew: underOld.files.map((e) => ({ name: e.name, certificate: e.files.certificate })),
      // not re-issued by regcert (no key): their ACME clients renew them from `acme serve` restarted on the new CA
      renewedByAcmeClients: underOld.acme.map((e) => ({ name: e.name, serial: e.serial, notAfter: e.notAfter, names: e.names })),
      counts: { certificatesToRenew: underOld.files.length, renewedByAcmeClients: underOld.acme.length },
      acmeServe: { running: acmeServer !== undefined, pid: acmeServer ?? null },
    });
    return;
  }
  const files = underOld.files;
  const acme = underOld.acme;
  ctx.ui.info(`${ctx.ui.green("✓")} New CA "${info.commonName}" (${result.keyAlgorithm}, expires ${ca.notAfter.toISOString().slice(0, 10)}) is now the home's CA`);
  ctx.ui.info(`  previous CA "${previous.commonName}" kept for the overlap: ${displayPath(paths.previousCertificate, ctx.cwd)} (still trusted, never signs again)`);
  ctx.ui.info(`  trust bundle = new CA + previous CA, until regcert ca retire-old`);
  if (acmeServer !== undefined) ctx.ui.warn(`regcert acme serve (pid ${acmeServer}) is running on this home: it signs with the previous CA until it is restarted`);
  ctx.ui.info();
  ctx.ui.info("Safe order (no client ever sees a certificate it does not trust):");
  ctx.ui.info("  1. On every client: regcert install-trust --host HOST:PORT   (ca.crt now holds both CAs)");
  ctx.ui.info(`  2. regcert renew --all   (re-issues ${files.length} certificate(s) under the new CA${files.length > 0 ? `: ${files.map((e) => e.name).join(", ")}` : ""})`);
  if (acme.length > 0) {
    ctx.ui.info(`     ${acme.length} ACME certificate(s) are renewed by their ACME clients, not by regcert: ${acme.map(describeAcmeUse).join(", ")}`);
    ctx.ui.info(`     restart regcert acme serve${acmeServer !== undefined ? ` (pid ${acmeServer})` : ""} so it issues from the new CA; each client switches at its next renewal`);
  }
  ctx.ui.info("  3. Restart the registry: docker restart registry (or docker compose restart registry)");
  ctx.ui.info("  4. regcert status shows nothing signed by the previous CA; then: regcert ca retire-old");
  ctx.ui.info("  5. On every client again: regcert install-trust --host HOST:PORT   (removes the old CA)");
}
