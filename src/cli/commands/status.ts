/**
 * regcert status: the CA(s) of the home and every certificate in its index, with days left and
 * whether the recorded files still exist and still match. The exit code is the answer for cron and
 * monitoring: 0 all fine, 3 something due, 4 something expired, missing, changed or orphaned.
 * Certificates `regcert acme serve` issued (marked "(acme)", source "acme" in --json) count too: one
 * due or expired means its ACME client stopped renewing; a revoked one counts as fine (exit 0).
 * The work is src/lifecycle/status.ts; this file parses the flags and prints.
 */
import { DEFAULT_WARN_DAYS } from "../../pki/status.js";
import { collectStatus, saveStatusCache, statusJson, type StatusReport } from "../../lifecycle/status.js";
import type { Context } from "../context.js";
import { lifecycleNow } from "../clock.js";
import { persistRepairedIndex } from "../index-hook.js";
import { parseWholeNumber } from "../options.js";
import { displayPath } from "../paths.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import { sep } from "node:path";

const day = (iso: string) => iso.slice(0, 10);

/**
 * A superset of what sanitizeForTerminal escapes (every surrogate, paired or not): text without any of
 * these comes back from it unchanged, so the common clean field skips its replace. One plain character
 * class, no look-arounds: a fast scan over 30,000 fields. `safe` is sanitizeForTerminal for any input
 * (test/unit/cli/status-print.test.ts checks every UTF-16 code unit).
 */
// eslint-disable-next-line no-control-regex
const MAYBE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]/;
export const safe = (text: string | null) => {
  const value = String(text);
  return MAYBE_UNSAFE.test(value) ? sanitizeForTerminal(value) : value;
};

/** A node:path separator-sensitive shortcut is only taken for POSIX paths. */
const NOT_NORMAL = /\/\.{0,2}(?:\/|$)/;

/**
 * displayPath for many paths under one cwd: a normalised absolute path (what the index records) inside
 * cwd is the rest after "cwd/", any other is shown as it is, exactly as path.relative decides it; every
 * path it cannot vouch for (not absolute, "//", "/./", "/../", a trailing "/") goes to displayPath itself.
 */
export function pathShower(cwd: string): (path: string) => string {
  if (sep !== "/" || !cwd.startsWith("/") || (cwd !== "/" && NOT_NORMAL.test(cwd))) return (path) => displayPath(path, cwd);
  const prefix = cwd === "/" ? "/" : `${cwd}/`;
  return (path) => {
    if (!path.startsWith("/") || NOT_NORMAL.test(path)) return displayPath(path, cwd);
    if (path.length <= prefix.length || !path.startsWith(prefix)) return path;
    const rest = path.slice(prefix.length);
    return rest.startsWith("..") ? path : rest; // displayPath's test, which also takes a name like "..a" for "outside"
  };
}

/** Lines per ui.info call: output in pieces of ~100 KB instead of one string of megabytes (a home of 10,000 certificates prints 20,000 lines). */
const LINES_PER_WRITE = 1_000;

/** The human report, a few writes of many lines each (never one write per line). */
function printHuman(ctx: Context, report: StatusReport): void {
  const { ui } = ctx;
  let lines: string[] = [];
  const line = (text = "") => {
    lines.push(text);
    if (lines.length >= LINES_PER_WRITE) {
      ui.info(lines.join("\n"));
      lines = [];
    }
  };
  humanLines(ctx, report, line);
  if (lines.length > 0) ui.info(lines.join("\n"));
}

function humanLines(ctx: Context, report: StatusReport, line: (text?: string) => void): void {
  const { ui } = ctx;
  const show = pathShower(ctx.cwd);
  const mark = (state: string) => (state === "ok" ? ui.green(state) : ui.yellow(state));
  for (const ca of report.cas) {
    line(`CA (${ca.role}) "${safe(ca.commonName)}": ${mark(ca.state)}, expires ${day(ca.notAfter)} (${ca.daysLeft} days left)`);
    line(`  ${safe(show(ca.path))}  sha256 ${ca.fingerprint}`);
  }
  if (report.cas.length > 1) line("  rollover in progress: clients trust both CAs; renew what the previous CA signed, then regcert ca retire-old");
  else if (report.cas[0] && report.cas[0].state !== "ok") line("  the CA itself must be replaced, and clients need time to trust the new one: start now with regcert ca rotate");
  line();
  if (report.certificates.length === 0) {
    line("No certificates in the index yet (regcert issue and regcert sign record them).");
    return;
  }
  line(`Certificates (${report.certificates.length}), warning window ${report.warnDays} days:`);
  const counts = new Map<string, number>();
  let renew = false;
  for (const cert of report.certificates) {
    let sans = "";
    for (const d of cert.names.dns) sans += sans === "" ? `DNS:${d}` : `, DNS:${d}`;
    for (const i of cert.names.ip) sans += sans === "" ? `IP:${i}` : `, IP:${i}`;
    if (sans === "") sans = `CN=${cert.commonName}`;
    // names and paths come from certificates and files (one may have been replaced by anything): escaped field by field, so none can forge a line
    const acme = cert.source === "acme";
    line(`  ${mark(cert.state.padEnd(7))} ${String(cert.daysLeft).padStart(5)} days  ${safe(cert.name)} (${cert.profile})${acme ? " (acme)" : ""} ${safe(sans)}, expires ${day(cert.notAfter)}`);
    if (acme) line(`          held by its ACME client${cert.entry.acme ? `, order ${safe(cert.entry.acme.orderId)}` : ""}  serial ${cert.serial}`);
    else line(`          ${safe(show(cert.files.certificate?.path ?? cert.entry.files.certificate))}  serial ${cert.serial}`);
    for (const reason of cert.reasons) line(`          - ${safe(reason)}`);
    counts.set(cert.state, (counts.get(cert.state) ?? 0) + 1);
    if (!acme && (cert.state === "due" || cert.state === "expired" || cert.state === "orphaned")) renew = true;
  }
  line();
  line(`Summary: ${[...counts].map(([state, n]) => `${n} ${state}`).join(", ")} (exit ${report.exitCode})`);
  if (renew) line(`Renew: regcert renew --all --within ${report.warnDays}`);
}

export interface StatusFlags {
  warnDays?: string;
}

export async function run(ctx: Context, flags: StatusFlags): Promise<void> {
  const warnDays = parseWholeNumber(flags.warnDays, "--warn-days", DEFAULT_WARN_DAYS);
  const home = ctx.home();
  const report = collectStatus(home, lifecycleNow(ctx.env), warnDays);
  await persistRepairedIndex(ctx, home, report.index);
  await saveStatusCache(report);
  if (ctx.ui.json) ctx.ui.result(statusJson(report));
  else if (!ctx.ui.quiet) printHuman(ctx, report); // --quiet shows nothing: the lines are not even built
  process.exitCode = report.exitCode;
}
