/**
 * regcert schedule: renewal that happens by itself. Writes the systemd template units and one drop-in
 * per certificate (under --root), or prints the crontab line (--cron), or removes exactly what it wrote
 * (--uninstall). The job itself calls `regcert schedule NAME --check` (exit 0 when due) before
 * `regcert renew`, then the --reload command.
 */
import { readFileSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFilesAtomic } from "../../files/write.js";
import { removeFilesIfUnchanged } from "../../files/remove.js";
import { findDue } from "../../lifecycle/schedule-due.js";
import { ALL_INSTANCE, DROP_IN_HEADER, UNIT_DIR, cronLine, planSchedule, type ScheduleOptions } from "../../lifecycle/schedule.js";
import { userError } from "../../pki/errors.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import { shellLine } from "../../text/shell.js";
import { lifecycleNow } from "../clock.js";
import type { Context } from "../context.js";
import { parseWholeNumber } from "../options.js";

export interface ScheduleFlags {
  all?: boolean;
  within?: string;
  reload?: string;
  root?: string;
  cron?: boolean;
  uninstall?: boolean;
  check?: boolean;
  passphraseFile?: string;
}

function readTemplate(name: string): string {
  const path = fileURLToPath(new URL(`../../../templates/systemd/${name}`, import.meta.url));
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`template ${path} is missing (${(error as NodeJS.ErrnoException).code ?? String(error)}); the installation is incomplete`);
  }
}

function regcertPath(): string {
  const bin = process.argv[1];
  if (!bin) throw userError("regcert.noExecutable", "cannot tell where the regcert executable is", "run regcert by its absolute path");
  try {
    return realpathSync(bin);
  } catch {
    return resolve(bin);
  }
}

export async function run(ctx: Context, name: string | undefined, flags: ScheduleFlags): Promise<void> {
  if ((name === undefined) === (flags.all !== true)) {
    throw userError("regcert.usage", name === undefined ? "say what to renew: a NAME or --all" : "give a NAME or --all, not both", "e.g. regcert schedule registry --reload 'systemctl restart docker-registry'");
  }
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) throw userError("regcert.invalidName", `${JSON.stringify(name.slice(0, 100))} is not a certificate name`, "regcert status lists them");
  const modes = [flags.cron, flags.uninstall, flags.check].filter(Boolean).length;
  if (modes > 1) throw userError("regcert.usage", "--cron, --uninstall and --check do not go together", "pick one");
  const withinDays = parseWholeNumber(flags.within, "--within", 30);
  const home = ctx.home();
  const now = lifecycleNow(ctx.env);

  if (flags.check) {
    const { due, checked } = findDue(home, name, withinDays, now);
    if (ctx.ui.json) ctx.ui.result({ command: "schedule", check: true, due: due.map((e) => e.name), checked: checked.length });
    else if (due.length > 0) ctx.ui.info(`due: ${due.map((e) => `${e.name} (expires ${e.notAfter})`).join(", ")}`);
    else ctx.ui.info(`nothing is due within ${withinDays} days`);
    if (due.length === 0) process.exitCode = 1;
    return;
  }
  if (flags.reload !== undefined && flags.reload.trim() === "") throw userError("regcert.usage", "--reload is empty", "e.g. --reload 'systemctl restart docker-registry'");
  // a schedule for a name the index does not know would never renew anything
  if (name !== undefined && !flags.uninstall) findDue(home, name, withinDays, now);
  const options: ScheduleOptions = { name, withinDays, reload: flags.reload, regcert: regcertPath(), home, passphraseFile: flags.passphraseFile === undefined ? undefined : resolve(ctx.cwd, flags.passphraseFile) };

  if (flags.cron) {
    const line = cronLine(options);
    if (ctx.ui.json) ctx.ui.result({ command: "schedule", cron: line });
    else {
      ctx.ui.info("Add this line with `crontab -e` (daily at 03:17; renews only when due):");
      ctx.ui.info(line);
    }
    return;
  }

  const root = resolve(ctx.cwd, flags.root ?? "/");
  const plan = planSchedule(options, { service: readTemplate("regcert-renew@.service"), timer: readTemplate("regcert-renew@.timer") });
  const abs = (p: string) => join(root, p);
  if (flags.uninstall) {
    const own = plan.files.filter((f) => !f.shared);
    const unitDir = abs(UNIT_DIR);
    let others: string[] = [];
    try {
      others = readdirSync(unitDir).filter((d) => /^regcert-renew@.+\.service\.d$/.test(d) && d !== `regcert-renew@${plan.instance}.service.d`);
    } catch {
      /* no unit directory: nothing installed */
    }
    // the drop-in depends on flags given at install time (--reload, --within): it is ours when it carries our header
    const ownFiles = own.map((f) => {
      let current: string | undefined;
      try {
        current = readFileSync(abs(f.path), "utf8");
      } catch {
        current = undefined;
      }
      return { path: abs(f.path), contents: current?.startsWith(DROP_IN_HEADER) ? current : f.contents };
    });
    const shared = others.length === 0 ? plan.files.filter((f) => f.shared).map((f) => ({ path: abs(f.path), contents: f.contents })) : [];
    const result = removeFilesIfUnchanged(
      [...ownFiles, ...shared],
      [dirname(abs(own[0]?.path as string))],
    );
    if (ctx.ui.json) ctx.ui.result({ command: "schedule", uninstall: true, instance: plan.instance, ...result });
    else {
      ctx.ui.info(`Stop the timer first: ${shellLine(["systemctl", "disable", "--now", plan.timerUnit])}`);
      for (const p of result.removed) ctx.ui.info(`Removed ${sanitizeForTerminal(p)}`);
      for (const p of result.kept) ctx.ui.warn(`kept ${sanitizeForTerminal(p)}: it was changed after regcert wrote it`);
      if (result.removed.length === 0 && result.kept.length === 0) ctx.ui.info(`Nothing to remove for ${plan.instance} under ${sanitizeForTerminal(root)}`);
      if (others.length > 0) ctx.ui.info(`Kept the template units: ${others.length} other schedule(s) use them`);
    }
    return;
  }

  const shared = writeFilesAtomic(plan.files.filter((f) => f.shared).map((f) => ({ path: abs(f.path), contents: f.contents, mode: 0o644, label: "systemd unit" })));
  const own = writeFilesAtomic(plan.files.filter((f) => !f.shared).map((f) => ({ path: abs(f.path), contents: f.contents, mode: 0o644, label: "systemd drop-in" })), { force: true });
  if (ctx.ui.json) {
    ctx.ui.result({ command: "schedule", instance: plan.instance, root, written: [...shared.written, ...own.written], unchanged: [...shared.unchanged, ...own.unchanged], enable: plan.enable.map((a) => shellLine(a)) });
    return;
  }
  for (const p of [...shared.written, ...own.written]) ctx.ui.info(`Wrote ${sanitizeForTerminal(p)}`);
  for (const p of [...shared.unchanged, ...own.unchanged]) ctx.ui.info(`Unchanged ${sanitizeForTerminal(p)}`);
  ctx.ui.info(`${name === undefined ? "Every certificate" : name} is checked daily and renewed within ${withinDays} days of expiry${flags.reload ? ", then reloaded" : ""}. Start it:`);
  for (const argv of plan.enable) ctx.ui.info(`  ${shellLine(argv)}`);
  if (plan.instance === ALL_INSTANCE && flags.reload === undefined) ctx.ui.warn("no --reload: servers keep the old certificate until they restart");
}
