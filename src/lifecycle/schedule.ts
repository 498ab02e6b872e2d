/**
 * Scheduled renewal, as data: the systemd template units (from templates/systemd), the per-instance
 * drop-in that says what to run, and the equivalent crontab line. Pure: the caller reads the
 * templates and writes (or removes) the files.
 *
 * The job renews only when due: ExecCondition runs `regcert schedule NAME --check` (exit 0 = due; any
 * other exit skips the run without marking the unit failed, systemd.service(5)), then ExecStart runs
 * `regcert renew`, and ExecStartPost the reload command, which systemd runs only if the renewal
 * succeeded.
 */
import { join } from "node:path";
import { userError } from "../pki/errors.js";
import { shellLine, shellQuote } from "../text/shell.js";

export const SERVICE_TEMPLATE = "regcert-renew@.service";
export const TIMER_TEMPLATE = "regcert-renew@.timer";
export const UNIT_DIR = "etc/systemd/system";
/** instance name of `--all` (a certificate --name cannot start with "_") */
export const ALL_INSTANCE = "_all";
/** first line of every drop-in regcert writes: how --uninstall knows the file is its own */
export const DROP_IN_HEADER = "# Written by `regcert schedule`;";

export interface ScheduleOptions {
  /** a certificate name from the index, or undefined for --all */
  name: string | undefined;
  /** --all: renew what expires within this many days; the due check uses it for NAME too */
  withinDays: number;
  /** shell command run after a successful renewal */
  reload: string | undefined;
  /** absolute path of the regcert executable the job runs */
  regcert: string;
  /** the CA home the job uses (REGCERT_HOME) */
  home: string;
  /** passphrase file of an encrypted CA key, passed to renew (the job has no terminal to ask on) */
  passphraseFile?: string | undefined;
}

export interface SchedulePlan {
  instance: string;
  /** paths relative to the root: template units and the instance's drop-in */
  files: Array<{ path: string; contents: string; shared: boolean }>;
  timerUnit: string;
  /** printed next steps (argv) */
  enable: string[][];
}

/** One argument of an Exec line in systemd's syntax: specifiers (%) and variables ($) escaped, quoted when needed. */
export function systemdQuote(value: string): string {
  if (/[\n\r\0]/.test(value)) throw userError("regcert.invalidArgument", `${JSON.stringify(value.slice(0, 80))} contains a line break`, "give the command on one line");
  const escaped = value.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const execLine = (argv: string[]) => argv.map(systemdQuote).join(" ");

function renewArgv(options: ScheduleOptions): string[] {
  const argv = options.name === undefined ? ["renew", "--all", "--within", String(options.withinDays)] : ["renew", options.name];
  return options.passphraseFile ? [...argv, "--passphrase-file", options.passphraseFile] : argv;
}

function checkArgv(options: ScheduleOptions): string[] {
  return ["schedule", ...(options.name === undefined ? ["--all"] : [options.name]), "--within", String(options.withinDays), "--check"];
}

export function planSchedule(options: ScheduleOptions, templates: { service: string; timer: string }): SchedulePlan {
  const instance = options.name ?? ALL_INSTANCE;
  if (!options.regcert.startsWith("/")) throw userError("regcert.relativePath", `the regcert executable ${options.regcert} is not an absolute path`, "run regcert by its absolute path when scheduling");
  const lines = [
    `${DROP_IN_HEADER} \`regcert schedule ${options.name ?? "--all"} --uninstall\` removes it.`,
    "[Service]",
    `Environment=${systemdQuote(`REGCERT_HOME=${options.home}`)}`,
    `ExecCondition=${execLine([options.regcert, ...checkArgv(options)])}`,
    `ExecStart=${execLine([options.regcert, "--yes", ...renewArgv(options)])}`,
  ];
  if (options.reload) lines.push(`ExecStartPost=${execLine(["/bin/sh", "-c", options.reload])}`);
  const dropIn = join(UNIT_DIR, `regcert-renew@${instance}.service.d`, "regcert.conf");
  return {
    instance,
    files: [
      { path: join(UNIT_DIR, SERVICE_TEMPLATE), contents: templates.service, shared: true },
      { path: join(UNIT_DIR, TIMER_TEMPLATE), contents: templates.timer, shared: true },
      { path: dropIn, contents: `${lines.join("\n")}\n`, shared: false },
    ],
    timerUnit: `regcert-renew@${instance}.timer`,
    enable: [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", `regcert-renew@${instance}.timer`]],
  };
}

/** The crontab line doing the same as the timer (daily at a fixed minute; cron has no Persistent). */
export function cronLine(options: ScheduleOptions, minute = 17, hour = 3): string {
  const env = `REGCERT_HOME=${shellQuote(options.home)}`;
  const parts = [`${env} ${shellLine([options.regcert, ...checkArgv(options)])}`, shellLine([options.regcert, "--yes", ...renewArgv(options)])];
  if (options.reload) parts.push(shellLine(["/bin/sh", "-c", options.reload]));
  // crontab(5): an unescaped % ends the command
  return `${minute} ${hour} * * * ${parts.join(" && ").replace(/%/g, "\\%")}`;
}
