/**
 * regcert renew: re-issue a certificate with the same names and profile under the home's current CA.
 * New serial always; new key of the same type unless --reuse-key (a certificate made by `sign` keeps
 * the requester's key: the same CSR is signed again). The new key, CSR, certificate, .pem copy and
 * ca.crt are written beside the old ones first and replace them together (replaceFileSet): a failure
 * anywhere leaves the old set intact. The registry reads its certificate only at start, so the
 * restart command is printed. The planning is src/lifecycle/renew.ts.
 */
import { RegcertError, userError } from "../../pki/errors.js";
import { validateLeafDays } from "../../pki/validity.js";
import { DEFAULT_WARN_DAYS, needsRenewal } from "../../pki/status.js";
import type { Issuer } from "../../pki/issuer.js";
import { readTrustBundle } from "../../files/home.js";
import { readIndex } from "../../files/index-store.js";
import { ACME_RENEWS, applyRenewal, planRenewal, reloadLines, sansOf, targetForFile, targetForName, withCsr, type PlannedRenewal, type RenewTarget } from "../../lifecycle/renew.js";
import type { Context } from "../context.js";
import { generateKeyWithProgress, obtainIssuer } from "../ca-access.js";
import { lifecycleNow } from "../clock.js";
import { persistRepairedIndex, recordInIndex } from "../index-hook.js";
import { collectStatus } from "../../lifecycle/status.js";
import { parseWholeNumber } from "../options.js";
import { cliMessage } from "../option-flags.js";
import { displayPath } from "../paths.js";

export interface RenewFlags {
  cert?: string;
  all?: boolean;
  within?: string;
  days?: string;
  reuseKey?: boolean;
  dryRun?: boolean;
  passphraseFile?: string;
  pinFile?: string;
}

interface Outcome {
  planned: PlannedRenewal;
  previousSerial: string;
  rollover: boolean;
}

async function renewOne(ctx: Context, target: RenewTarget, issuer: Issuer, flags: RenewFlags, now: Date, trustBundle: string): Promise<Outcome> {
  const days = flags.days === undefined ? undefined : parseWholeNumber(flags.days, "--days", 397);
  if (days !== undefined) validateLeafDays(days, { forceAvailable: false });
  const planned = await planRenewal(target, issuer, {
    trustBundle,
    days,
    reuseKey: flags.reuseKey === true,
    now,
    generateKey: (algorithm) => generateKeyWithProgress(ctx, algorithm, "key"),
  });
  applyRenewal(planned);
  const entry = target.entry;
  await recordInIndex(ctx, [{ command: "renew", name: entry.name, certificatePem: planned.cert.certificatePem, files: entry.files, ca: issuer.certificate, csr: target.csrPem, issued: planned.cert }]);
  return { planned, previousSerial: entry.serial, rollover: entry.issuer.fingerprint !== issuer.certificate.fingerprint };
}

function printOutcome(ctx: Context, outcome: Outcome): void {
  const { planned } = outcome;
  const { cert } = planned;
  for (const warning of cert.warnings) ctx.ui.warn(warning);
  const keyNote = planned.newKey ? "new key" : planned.target.csrPem ? "same CSR and key" : "same key";
  ctx.ui.info(`${ctx.ui.green("✓")} Renewed ${planned.target.entry.name}: ${sansOf(cert.names) || cert.commonName} (${cert.keyAlgorithm}, ${keyNote}, expires ${cert.notAfter.toISOString().slice(0, 10)})`);
  ctx.ui.info(`  serial ${outcome.previousSerial} -> ${cert.serialHex}${outcome.rollover ? " (now signed by the new CA)" : ""}`);
  for (const entry of planned.plan) ctx.ui.info(`  ${displayPath(entry.path, ctx.cwd)}  ${entry.label}`);
}

async function selectTargets(ctx: Context, home: string, flags: RenewFlags, name: string | undefined, now: Date): Promise<{ targets: RenewTarget[]; skipped: Array<{ name: string; reason: string }> }> {
  const given = [name !== undefined, flags.cert !== undefined, flags.all === true].filter(Boolean).length;
  if (given !== 1) throw userError("regcert.usage", given === 0 ? "say what to renew: a NAME, --cert FILE or --all" : "give only one of NAME, --cert FILE and --all", "e.g. regcert renew registry, or regcert renew --all --within 30");
  if (flags.within !== undefined && !flags.all) throw userError("regcert.usage", "--within only works with --all", "regcert renew --all --within 30");
  if (!flags.all) {
    const index = readIndex(home);
    return { targets: [flags.cert !== undefined ? targetForFile(home, index.entries, flags.cert) : targetForName(home, index.entries, name as string)], skipped: [] };
  }
  const within = parseWholeNumber(flags.within, "--within", DEFAULT_WARN_DAYS);
  const report = collectStatus(home, now, within);
  await persistRepairedIndex(ctx, home, report.index);
  const targets: RenewTarget[] = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  for (const view of report.certificates) {
    if (view.source === "acme") {
      if (needsRenewal(view.state)) skipped.push({ name: view.name, reason: `${ACME_RENEWS} (serial ${view.serial}, expires ${view.notAfter.slice(0, 10)})` });
    } else if (view.state === "missing" || view.state === "changed") skipped.push({ name: view.name, reason: view.reasons[0] ?? view.state });
    else if (needsRenewal(view.state)) {
      try {
        targets.push(withCsr(home, view.entry));
      } catch (error) {
        skipped.push({ name: view.name, reason: cliMessage(error) });
      }
    }
  }
  return { targets, skipped };
}

export async function run(ctx: Context, name: string | undefined, flags: RenewFlags): Promise<void> {
  const home = ctx.home();
  const now = lifecycleNow(ctx.env);
  const { targets, skipped } = await selectTargets(ctx, home, flags, name, now);
  for (const s of skipped) ctx.ui.warn(`not renewing ${s.name}: ${s.reason}`);
  if (flags.dryRun || targets.length === 0) {
    if (ctx.ui.json) ctx.ui.result({ command: "renew", dryRun: flags.dryRun === true, wouldRenew: targets.map((t) => ({ name: t.entry.name, serial: t.entry.serial, certificate: t.entry.files.certificate, notAfter: t.entry.notAfter })), renewed: [], failed: [], skipped });
    else if (targets.length === 0) ctx.ui.info(`Nothing to renew: nothing expires within ${flags.within ?? DEFAULT_WARN_DAYS} days.`);
    else for (const t of targets) ctx.ui.info(`would renew ${t.entry.name}: ${displayPath(t.entry.files.certificate, ctx.cwd)} (expires ${t.entry.notAfter.slice(0, 10)})`);
    return;
  }
  const { issuer } = await obtainIssuer(ctx, { passphraseFile: flags.passphraseFile, pinFile: flags.pinFile });
  const trustBundle = readTrustBundle(home) ?? issuer.certificate.pem;
  const outcomes: Outcome[] = [];
  const failed: Array<{ name: string; error: string }> = [];
  for (const target of targets) {
    try {
      const outcome = await renewOne(ctx, target, issuer, flags, now, trustBundle);
      outcomes.push(outcome);
      if (!ctx.ui.json) printOutcome(ctx, outcome);
    } catch (error) {
      if (targets.length === 1) throw error;
      failed.push({ name: target.entry.name, error: cliMessage(error) });
      ctx.ui.warn(`renewing ${target.entry.name} failed (its files were kept): ${cliMessage(error)}`);
    }
  }
  const servers = outcomes.filter((o) => o.planned.cert.profile === "server").map((o) => o.planned.target.entry.name);
  const reload = servers.length > 0 ? reloadLines(servers, outcomes.some((o) => o.rollover)) : [];
  const clients = outcomes.filter((o) => o.planned.cert.profile === "client").map((o) => o.planned.target.entry.name);
  if (ctx.ui.json) {
    ctx.ui.result({
      command: "renew",
      dryRun: false,
      renewed: outcomes.map((o) => ({
        name: o.planned.target.entry.name,
        profile: o.planned.cert.profile,
        previousSerial: o.previousSerial,
        serial: o.planned.cert.serialHex,
        newKey: o.planned.newKey,
        dns: o.planned.cert.names.dns,
        ip: o.planned.cert.names.ip,
        notBefore: o.planned.cert.notBefore.toISOString(),
        notAfter: o.planned.cert.notAfter.toISOString(),
        files: o.planned.target.entry.files,
      })),
      failed,
      skipped,
      reload,
    });
  } else {
    if (reload.length > 0) ctx.ui.info();
    for (const line of reload) ctx.ui.info(line);
    if (clients.length > 0) ctx.ui.info(`Give the renewed client certificate(s) (${clients.join(", ")}) to their clients as client.cert and client.key.`);
  }
  if (failed.length > 0) throw new RegcertError("regcert.renewFailed", `${failed.length} of ${targets.length} renewals failed; their old files were kept`);
}
