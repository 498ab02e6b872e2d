/**
 * What a CA rollover waits for: the index's certificates signed by one CA, split by who renews them.
 *
 * - files: certificates regcert wrote to disk (issue, sign, renew): `regcert renew --all` re-issues
 *   them under the new CA.
 * - acme: certificates `regcert acme serve` issued to ACME clients (source "acme", no files): regcert
 *   has neither their key nor their files, so it cannot re-issue them; their clients renew them, and
 *   get certificates from the new CA once `acme serve` is restarted on it. Only those still in use
 *   count: not replaced by a newer certificate for the same names, not revoked, not expired (an
 *   expired one no client can use, whichever CA signed it).
 *
 * `ca rotate` lists them (what to renew, who renews the rest); `ca retire-old` refuses while any is
 * still in use, since retiring the old CA makes clients refuse what it signed.
 */
import { checkEntryFiles, currentEntries, entrySource, type IndexEntry } from "../files/index-store.js";

export interface CaUses {
  /** certificates with files: regcert renews them */
  files: IndexEntry[];
  /** ACME certificates in use: their ACME clients renew them */
  acme: IndexEntry[];
}

/** An ACME certificate a client may still be serving: current (not replaced), not revoked, not expired at `now`. */
export function acmeInUse(entry: IndexEntry, now: Date): boolean {
  return entrySource(entry) === "acme" && !entry.replacedBy && !entry.revoked && Date.parse(entry.notAfter) > now.getTime();
}

function split(entries: IndexEntry[], caFingerprint: string, now: Date, fileInUse: (e: IndexEntry) => boolean): CaUses {
  const uses: CaUses = { files: [], acme: [] };
  for (const entry of currentEntries(entries)) {
    if (entry.issuer.fingerprint !== caFingerprint) continue;
    if (entrySource(entry) === "acme") {
      if (acmeInUse(entry, now)) uses.acme.push(entry);
    } else if (fileInUse(entry)) uses.files.push(entry);
  }
  return uses;
}

/** After `ca rotate`: what the old CA signed that someone has to renew (every current file entry, as before ACME). */
export const certificatesToRenew = (entries: IndexEntry[], caFingerprint: string, now: Date): CaUses => split(entries, caFingerprint, now, () => true);

/**
 * Before `ca retire-old`: what the old CA signed that is still in use. A file certificate counts while
 * its certificate file is still there and still the one recorded (renewing it replaces the file).
 */
export const certificatesStillSigned = (entries: IndexEntry[], caFingerprint: string, now: Date): CaUses =>
  split(entries, caFingerprint, now, (e) => checkEntryFiles(e).some((f) => f.role === "certificate" && f.state === "ok"));

/** How an ACME certificate is named in messages: "localhost (ACME, serial 4a…, until 2026-12-10)". */
export const describeAcmeUse = (entry: IndexEntry): string => `${entry.name} (ACME, serial ${entry.serial}, until ${entry.notAfter.slice(0, 10)})`;
