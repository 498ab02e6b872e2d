/** Definitions of status and renew: what exists, how long it has left, and re-issuing it. */
import type { Command } from "commander";
import type { ActionFactory } from "./types.js";

export function defineLifecycleCommands(program: Command, action: ActionFactory): void {
  program
    .command("status")
    .description("the CA(s) and every certificate in the index: days left, files present and matching; exit 0 fine, 3 due, 4 expired or missing")
    .option("--warn-days <n>", "certificates expiring within this many days are due (exit 3)", "30")
    .addHelpText(
      "after",
      `
Exit codes: 0 everything fine, 3 something is due for renewal (within --warn-days, or still signed
by the previous CA during a rollover), 4 something expired, is missing, changed, or signed by a CA
this home no longer has. 1 and 2 keep their usual meanings (failure, user error).

Examples:
  $ regcert status
    one line per certificate with its days left and files
  $ regcert status --json --warn-days 45
    the same as JSON (schema "regcert.status/1"), for monitoring
  $ regcert status --quiet || regcert renew --all --within 30
    cron: renew what is due`,
    )
    .action(action(() => import("../commands/status.js")));

  program
    .command("renew")
    .description("re-issue a certificate with the same names and profile (new serial, new key unless --reuse-key); files replaced only once the new set is complete")
    .argument("[name]", "the --name it was issued with (see regcert status)")
    .option("--cert <file>", "renew the certificate in this file instead of naming it")
    .option("--all", "renew every certificate that is due (see --within)")
    .option("--within <days>", "with --all: renew what expires within this many days (default 30)")
    .option("--days <n>", "validity of the new certificate in days (default: the same length as before)")
    .option("--reuse-key", "keep the existing private key (default: a new key of the same type)")
    .option("--dry-run", "say what would be renewed, change nothing")
    .option("--passphrase-file <file>", "passphrase of an encrypted CA key")
    .option("--pin-file <file>", "PIN of the token holding the CA key (init-ca --pkcs11)")
    .addHelpText(
      "after",
      `
The registry reads its certificate only when it starts: restart it after renewing (the command
prints how). During a CA rollover, renew issues under the new CA; clients must trust the overlap
bundle first (regcert install-trust).

Examples:
  $ regcert renew registry
    new key and certificate in the files registry was issued to
  $ regcert renew --cert certs/registry.crt --reuse-key
    same key, new certificate
  $ regcert renew --all --within 30
    everything that expires within 30 days (cron-friendly)`,
    )
    .action(action(() => import("../commands/renew.js")));
}
