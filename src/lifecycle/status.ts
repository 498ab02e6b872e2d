/**
 * The state of a CA home: its CA(s) and every certificate in its index, with days left and whether
 * the recorded files still exist and still match (what `regcert status` prints, and what `renew --all`
 * and `ca retire-old` decide from). Reads only; saveRepairedIndex writes a rebuilt index back.
 */
import { parseCaCertificate, type CaCertificateInfo } from "../pki/issuer.js";
import { describeKey } from "../pki/keys.js";
import { userError } from "../pki/errors.js";
import {
  assessCertificate,
  classifyExpiry,
  statusExitCode,
  type CertificateState,
  type FileCheck,
  type IssuerTrust,
} from "../pki/status.js";
import { caPaths, readCaCertificate, withHomeLock } from "../files/home.js";
import { checkEntryFiles, currentEntries, readIndex, saveIndex, type IndexEntry, type IndexRead } from "../files/index-store.js";
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
}

export interface StatusReport {
  home: string;
  now: Date;
  warnDays: number;
  cas: CaView[];
  certificates: CertificateView[];
  index: IndexRead;
  exitCode: number;
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

/** Everything status shows; renew --all and ca retire-old decide from the same data. */
export function collectStatus(home: string, now: Date, warnDays: number): StatusReport {
  const currentPem = readCaCertificate(home);
  if (currentPem === undefined) throw userError("regcert.noCa", `no CA in ${home}`, "create one with `regcert init-ca` (or `regcert issue`), or pass --home DIR");
  const current = parseCaCertificate(currentPem, caPaths(home).certificate);
  const previousPem = readPreviousCaCertificate(home);
  const previous = previousPem === undefined ? undefined : parseCaCertificate(previousPem, rolloverPaths(home).previousCertificate);
  const cas = [caView("current", current, caPaths(home).certificate, now, warnDays)];
  if (previous && previous.fingerprint !== current.fingerprint) cas.push(caView("previous", previous, rolloverPaths(home).previousCertificate, now, warnDays));

  const index = readIndex(home);
  const trustOf = (fingerprint: string): IssuerTrust =>
    fingerprint === current.fingerprint ? "current" : previous && fingerprint === previous.fingerprint ? "previous" : "untrusted";
  const seen = new Map<string, FileCheck["state"]>();
  const certificates = currentEntries(index.entries).map((entry): CertificateView => {
    const files = checkEntryFiles(entry, seen);
    const trust = trustOf(entry.issuer.fingerprint);
    const assessment = assessCertificate({ notBefore: new Date(entry.notBefore), notAfter: new Date(entry.notAfter), issuer: trust, files }, { now, warnDays });
    return {
      name: entry.name,
      profile: entry.profile,
      serial: entry.serial,
      fingerprint: entry.fingerprint,
      names: entry.names,
      commonName: entry.commonName,
      keyAlgorithm: entry.keyAlgorithm,
      notBefore: entry.notBefore,
      notAfter: entry.notAfter,
      daysLeft: assessment.daysLeft,
      state: assessment.state,
      reasons: assessment.reasons,
      issuer: { ...entry.issuer, trust },
      files: Object.fromEntries(files.map((f) => [f.role, { path: f.path, state: f.state }])),
      entry,
    };
  });
  // the current CA counts; the previous one is on its way out (its leaves are flagged instead)
  const caState = cas[0]?.state === "not-yet-valid" ? "expired" : (cas[0]?.state ?? "ok");
  const exitCode = statusExitCode([caState, ...certificates.map((c) => c.state)]);
  return { home, now, warnDays, cas, certificates, index, exitCode };
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
