/**
 * regcert status: the CA(s) of the home and every certificate in its index, with days left and
 * whether the recorded files still exist and still match. The exit code is the answer for cron and
 * monitoring: 0 all fine, 3 something due, 4 something expired, missing, changed or orphaned.
 */
import { parseCaCertificate, type CaCertificateInfo } from "../../pki/issuer.js";
import { describeKey } from "../../pki/keys.js";
import { userError } from "../../pki/errors.js";
import {
  DEFAULT_WARN_DAYS,
  assessCertificate,
  classifyExpiry,
  statusExitCode,
  type CertificateState,
  type FileCheck,
  type IssuerTrust,
} from "../../pki/status.js";
import { caPaths, readCaCertificate, withHomeLock } from "../../files/home.js";
import { checkEntryFiles, currentEntries, readIndex, saveIndex, type IndexEntry, type IndexRead } from "../../files/index-store.js";
import { readPreviousCaCertificate, rolloverPaths } from "../../files/rollover.js";
import type { Context } from "../context.js";
import { lifecycleNow } from "../clock.js";
import { reportIndexRepair } from "../index-hook.js";
import { parseWholeNumber } from "../options.js";
import { displayPath } from "../paths.js";

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
  const certificates = currentEntries(index.entries).map((entry): CertificateView => {
    const files = checkEntryFiles(entry);
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

/** Saves an index that had to be rebuilt, so the next run does not rebuild it again. Best effort. */
export async function persistRepairedIndex(ctx: Context, home: string, index: IndexRead): Promise<void> {
  if (!index.rebuilt && index.merged === 0) return;
  reportIndexRepair(ctx, index);
  try {
    await withHomeLock(home, () => saveIndex(home, index.entries), { timeoutMs: 5_000 });
  } catch (error) {
    ctx.ui.warn(`could not save the rebuilt index: ${(error as Error).message}`);
  }
}

const day = (iso: string) => iso.slice(0, 10);

function printHuman(ctx: Context, report: StatusReport): void {
  const { ui } = ctx;
  const mark = (state: string) => (state === "ok" ? ui.green(state) : ui.yellow(state));
  for (const ca of report.cas) {
    ui.info(`CA (${ca.role}) "${ca.commonName}": ${mark(ca.state)}, expires ${day(ca.notAfter)} (${ca.daysLeft} days left)`);
    ui.info(`  ${displayPath(ca.path, ctx.cwd)}  sha256 ${ca.fingerprint}`);
  }
  if (report.cas.length > 1) ui.info("  rollover in progress: clients trust both CAs; renew what the previous CA signed, then regcert ca retire-old");
  else if (report.cas[0] && report.cas[0].state !== "ok") ui.info("  the CA itself must be replaced, and clients need time to trust the new one: start now with regcert ca rotate");
  ui.info();
  if (report.certificates.length === 0) {
    ui.info("No certificates in the index yet (regcert issue and regcert sign record them).");
    return;
  }
  ui.info(`Certificates (${report.certificates.length}), warning window ${report.warnDays} days:`);
  for (const cert of report.certificates) {
    const sans = [...cert.names.dns.map((d) => `DNS:${d}`), ...cert.names.ip.map((i) => `IP:${i}`)].join(", ") || `CN=${cert.commonName}`;
    ui.info(`  ${mark(cert.state.padEnd(7))} ${String(cert.daysLeft).padStart(5)} days  ${cert.name} (${cert.profile}) ${sans}, expires ${day(cert.notAfter)}`);
    ui.info(`          ${displayPath(cert.files.certificate?.path ?? cert.entry.files.certificate, ctx.cwd)}  serial ${cert.serial}`);
    for (const reason of cert.reasons) ui.info(`          - ${reason}`);
  }
  const counts = new Map<string, number>();
  for (const cert of report.certificates) counts.set(cert.state, (counts.get(cert.state) ?? 0) + 1);
  ui.info();
  ui.info(`Summary: ${[...counts].map(([state, n]) => `${n} ${state}`).join(", ")} (exit ${report.exitCode})`);
  if (report.certificates.some((c) => c.state === "due" || c.state === "expired" || c.state === "orphaned")) {
    ui.info(`Renew: regcert renew --all --within ${report.warnDays}`);
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

export interface StatusFlags {
  warnDays?: string;
}

export async function run(ctx: Context, flags: StatusFlags): Promise<void> {
  const warnDays = parseWholeNumber(flags.warnDays, "--warn-days", DEFAULT_WARN_DAYS);
  const home = ctx.home();
  const report = collectStatus(home, lifecycleNow(ctx.env), warnDays);
  await persistRepairedIndex(ctx, home, report.index);
  if (ctx.ui.json) ctx.ui.result(statusJson(report));
  else printHuman(ctx, report);
  process.exitCode = report.exitCode;
}
