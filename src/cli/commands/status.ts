/**
 * regcert status: the CA(s) of the home and every certificate in its index, with days left and
 * whether the recorded files still exist and still match. The exit code is the answer for cron and
 * monitoring: 0 all fine, 3 something due, 4 something expired, missing, changed or orphaned.
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

const day = (iso: string) => iso.slice(0, 10);
const safe = (text: string | null) => sanitizeForTerminal(String(text));

/** The human report, written with one write (a home of 10 000 certificates prints 30 000 lines). */
function printHuman(ctx: Context, report: StatusReport): void {
  const { ui } = ctx;
  const lines: string[] = [];
  const line = (text = "") => lines.push(text);
  humanLines(ctx, report, line);
  if (lines.length > 0) ui.info(lines.join("\n"));
}

function humanLines(ctx: Context, report: StatusReport, line: (text?: string) => void): void {
  const { ui } = ctx;
  const mark = (state: string) => (state === "ok" ? ui.green(state) : ui.yellow(state));
  for (const ca of report.cas) {
    line(`CA (${ca.role}) "${safe(ca.commonName)}": ${mark(ca.state)}, expires ${day(ca.notAfter)} (${ca.daysLeft} days left)`);
    line(`  ${safe(displayPath(ca.path, ctx.cwd))}  sha256 ${ca.fingerprint}`);
  }
  if (report.cas.length > 1) line("  rollover in progress: clients trust both CAs; renew what the previous CA signed, then regcert ca retire-old");
  else if (report.cas[0] && report.cas[0].state !== "ok") line("  the CA itself must be replaced, and clients need time to trust the new one: start now with regcert ca rotate");
  line();
  if (report.certificates.length === 0) {
    line("No certificates in the index yet (regcert issue and regcert sign record them).");
    return;
  }
  line(`Certificates (${report.certificates.length}), warning window ${report.warnDays} days:`);
  for (const cert of report.certificates) {
    const sans = [...cert.names.dns.map((d) => `DNS:${d}`), ...cert.names.ip.map((i) => `IP:${i}`)].join(", ") || `CN=${cert.commonName}`;
    // names and paths come from certificates and files (one may have been replaced by anything): escaped field by field, so none can forge a line
    line(`  ${mark(cert.state.padEnd(7))} ${String(cert.daysLeft).padStart(5)} days  ${safe(cert.name)} (${cert.profile}) ${safe(sans)}, expires ${day(cert.notAfter)}`);
    line(`          ${safe(displayPath(cert.files.certificate?.path ?? cert.entry.files.certificate, ctx.cwd))}  serial ${cert.serial}`);
    for (const reason of cert.reasons) line(`          - ${safe(reason)}`);
  }
  const counts = new Map<string, number>();
  for (const cert of report.certificates) counts.set(cert.state, (counts.get(cert.state) ?? 0) + 1);
  line();
  line(`Summary: ${[...counts].map(([state, n]) => `${n} ${state}`).join(", ")} (exit ${report.exitCode})`);
  if (report.certificates.some((c) => c.state === "due" || c.state === "expired" || c.state === "orphaned")) {
    line(`Renew: regcert renew --all --within ${report.warnDays}`);
  }
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
  else printHuman(ctx, report);
  process.exitCode = report.exitCode;
}
