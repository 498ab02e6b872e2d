/**
 * The state of a CA home: its CA(s) and every certificate in its index, with days left and whether
 * the recorded files still exist and still match (what `regcert status` prints, and what `renew --all`
 * and `ca retire-old` decide from). Reads only; saveRepairedIndex writes a rebuilt index back, and
 * saveStatusCache the stamps of files it found unchanged (src/files/file-stamps.ts).
 */
import { readFileSync } from "node:fs";
import { parseCaCertificate, type CaCertificateInfo } from "../pki/issuer.js";
import { describeKey } from "../pki/keys.js";
import { opt, phrase, userError } from "../pki/errors.js";
import {
  assessCertificate,
  classifyExpiry,
  statusExitCode,
  type CertificateState,
  type FileCheck,
  type IssuerTrust,
} from "../pki/status.js";
import { caPaths, readCaCertificate, withHomeLock } from "../files/home.js";
import { checkEntryFiles, entryFieldsFromFacts, entrySource, readIndex, saveIndex, type IndexEntry, type IndexRead } from "../files/index-store.js";
import { readStampCache, saveStampCache, stampCacheChanged, type StampCache } from "../files/file-stamps.js";
import { readCertificateFacts, type CertificateFacts } from "../pki/certificate-facts.js";
import { readPreviousCaCertificate, rolloverPaths } from "../files/rollover.js";

export const STATUS_SCHEMA = "regcert.status/1";

export interface CaView {
  role: "current" | "previous";
  commonName: string | null;
  fingerprint: string;
  keyAlgorithm: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  state: "ok" | "due" | "expired" | "not-yet-valid";
  path: string;
}

export interface CertificateView {
  name: string;
  profile: string;
  serial: string;
  fingerprint: string;
  names: { dns: string[]; ip: string[] };
  commonName: string | null;
  keyAlgorithm: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  state: CertificateState;
  reasons: string[];
  issuer: { fingerprint: string; commonName: string | null; trust: IssuerTrust };
  files: Record<string, { path: string; state: FileCheck["state"] }>;
  /** the entry behind the view, for renew */
  entry: IndexEntry;
  /** the certificate file holds another certificate than the entry recorded: the view shows the file's facts */
  replacedOnDisk?: true;
  /** "acme": issued by `regcert acme serve`, held (and renewed) by its ACME client: no files to check */
  source: "files" | "acme";
  revoked?: { at: string; reason: number };
}

export interface StatusReport {
  home: string;
  now: Date;
  warnDays: number;
  cas: CaView[];
  certificates: CertificateView[];
  index: IndexRead;
  exitCode: number;
  /** which files were confirmed unchanged by stat alone or by reading them (saveStatusCache keeps it) */
  stamps: StampCache;
}

function caView(role: CaView["role"], info: CaCertificateInfo, path: string, now: Date, warnDays: number): CaView {
  const expiry = classifyExpiry(info, { now, warnDays });
  return {
    role,
    commonName: info.commonName ?? null,
    fingerprint: info.fingerprint,
    keyAlgorithm: describeKey(info.publicKey).algorithm,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    daysLeft: expiry.daysLeft,
    state: expiry.state,
    path,
  };
}

/**
 * The warning window of an ACME certificate: its clients renew when a third of its life is left
 * (certbot's default, Let's Encrypt's advice), so a 7-day certificate is due only in its last 2⅓ days,
 * not for its whole life under a 30-day window. Never wider than the window asked for.
 */
export function acmeWarnDays(validity: { notBefore: string; notAfter: string }, warnDays: number): number {
  const lifetimeDays = (Date.parse(validity.notAfter) - Date.parse(validity.notBefore)) / 86_400_000;
  return Math.min(warnDays, lifetimeDays / 3);
}

/** Everything status shows; renew --all and ca retire-old decide from the same data. */
export function collectStatus(home: string, now: Date, warnDays: number): StatusReport {
  const currentPem = readCaCertificate(home);
  if (currentPem === undefined) throw userError("regcert.noCa", `no CA in ${home}`, phrase`create one with \`regcert init-ca\` (or \`regcert issue\`), or pass ${opt("home", "DIR")}`);
  const current = parseCaCertificate(currentPem, caPaths(home).certificate);
  const previousPem = readPreviousCaCertificate(home);
  const previous = previousPem === undefined ? undefined : parseCaCertificate(previousPem, rolloverPaths(home).previousCertificate);
  const cas = [caView("current", current, caPaths(home).certificate, now, warnDays)];
  if (previous && previous.fingerprint !== current.fingerprint) cas.push(caView("previous", previous, rolloverPaths(home).previousCertificate, now, warnDays));

  const index = readIndex(home);
  const trustOf = (fingerprint: string): IssuerTrust =>
    fingerprint === current.fingerprint ? "current" : previous && fingerprint === previous.fingerprint ? "previous" : "untrusted";
  const seen = new Map<string, FileCheck["state"]>();
  const stamps = readStampCache(home);
  const certificates: CertificateView[] = [];
  for (const entry of index.entries) {
    if (entry.replacedBy) continue; // currentEntries, without the intermediate array
    const files = checkEntryFiles(entry, seen, stamps);
    // a certificate file replaced behind the index's back: what clients get is the file, so its facts are shown
    let onDisk: CertificateFacts | undefined;
    const fileStates: CertificateView["files"] = {};
    for (const f of files) {
      fileStates[f.role] = { path: f.path, state: f.state };
      if (f.role === "certificate" && f.state === "changed" && onDisk === undefined) onDisk = factsOnDisk(entry.files.certificate);
    }
    const facts = onDisk ? { ...entry, ...entryFieldsFromFacts(onDisk) } : entry;
    const trust = trustOf(entry.issuer.fingerprint);
    const source = entrySource(entry);
    const assessment = assessCertificate({ notBefore: new Date(facts.notBefore), notAfter: new Date(facts.notAfter), issuer: trust, files }, { now, warnDays: source === "acme" ? acmeWarnDays(facts, warnDays) : warnDays });
    if (entry.revoked) {
      // revoked on purpose: not due, not to be renewed (a client that wants one orders a new certificate)
      assessment.state = "revoked";
      assessment.reasons = [`revoked ${entry.revoked.at} (reason ${entry.revoked.reason})`];
    } else if (source === "acme" && (assessment.state === "due" || assessment.state === "expired")) {
      assessment.reasons.push("its ACME client should have renewed it: check that client");
    }
    const view: CertificateView = {
      name: entry.name,
      profile: facts.profile,
      serial: facts.serial,
      fingerprint: facts.fingerprint,
      names: facts.names,
      commonName: facts.commonName,
      keyAlgorithm: facts.keyAlgorithm,
      notBefore: facts.notBefore,
      notAfter: facts.notAfter,
      daysLeft: assessment.daysLeft,
      state: assessment.state,
      reasons: onDisk ? [`the certificate file holds serial ${onDisk.serialHex}, not the recorded ${entry.serial}: dates and names shown are the file's`, ...assessment.reasons] : assessment.reasons,
      issuer: { ...entry.issuer, trust },
      files: fileStates,
      entry,
      source,
    };
    if (entry.revoked) view.revoked = entry.revoked;
    if (onDisk) view.replacedOnDisk = true;
    certificates.push(view);
  }
  // the current CA counts; the previous one is on its way out (its leaves are flagged instead)
  const caState = cas[0]?.state === "not-yet-valid" ? "expired" : (cas[0]?.state ?? "ok");
  const exitCode = statusExitCode([caState, ...certificates.map((c) => c.state)]);
  return { home, now, warnDays, cas, certificates, index, exitCode, stamps };
}

/** The facts of the certificate file as it is now, or undefined when it is not one certificate regcert can read. */
function factsOnDisk(path: string): CertificateFacts | undefined {
  try {
    return readCertificateFacts(readFileSync(path), path);
  } catch {
    return undefined;
  }
}

/**
 * Saves which files this run confirmed (src/files/file-stamps.ts), so the next status can skip reading
 * them. Only when it changed, under the home's lock, and best effort: it is a cache, and a status run
 * must never fail or wait long because of it (returns whether it was written).
 */
export async function saveStatusCache(report: StatusReport): Promise<boolean> {
  if (!stampCacheChanged(report.stamps)) return false;
  try {
    await withHomeLock(report.home, () => saveStampCache(report.home, report.stamps), { timeoutMs: 1_000 });
    return true;
  } catch {
    return false;
  }
}

/** The --json document (schema "regcert.status/1"). */
export function statusJson(report: StatusReport): unknown {
  return {
    schema: STATUS_SCHEMA,
    command: "status",
    home: report.home,
    now: report.now.toISOString(),
    warnDays: report.warnDays,
    exitCode: report.exitCode,
    rollover: report.cas.length > 1,
    cas: report.cas,
    certificates: report.certificates.map(({ entry, ...view }) => ({ ...view, command: entry.command, recordedAt: entry.recordedAt })),
    index: { path: report.index.path, rebuilt: report.index.rebuilt ?? null, merged: report.index.merged, skipped: report.index.skipped },
  };
}

/** Saves an index that had to be rebuilt or merged, so the next run does not do it again (under the home's lock). */
export async function saveRepairedIndex(home: string, index: IndexRead): Promise<boolean> {
  if (!index.rebuilt && index.merged === 0) return false;
  await withHomeLock(home, () => saveIndex(home, index.entries), { timeoutMs: 5_000 });
  return true;
}
