/**
 * Definitions of the `regcert ca` group: work on the home's CA itself. `passphrase` lives here; CA
 * rollover adds `rotate` and `retire-old` to the same group (one `ca.command(…)` block each).
 */
import type { Command } from "commander";
import { keyOption } from "./shared.js";
import type { ActionFactory } from "./types.js";

export function defineCaCommands(program: Command, action: ActionFactory): Command {
  const ca = program.command("ca").description("manage the CA in the home: its key's passphrase, rollover");

  ca.command("passphrase")
    .description("encrypt ca.key, change its passphrase, or remove it (one atomic replace of ca.key)")
    .option("--passphrase-file <file>", "the current passphrase (first line), when ca.key is encrypted")
    .option("--new-passphrase-file <file>", "the new passphrase (first line); without it you are asked twice on a terminal")
    .option("--remove", "store ca.key unencrypted (anyone who can read the file then holds the CA)")
    .addHelpText(
      "after",
      `
The new key is encrypted with PBES2: PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256-CBC; it opens
with \`openssl pkey -in ca.key -passin file:F\`. Empty passphrases are refused.

Examples:
  $ regcert ca passphrase
    asks for the current passphrase (if any) and the new one twice
  $ regcert ca passphrase --passphrase-file old.txt --new-passphrase-file new.txt
    non-interactive change
  $ regcert ca passphrase --passphrase-file old.txt --remove
    ca.key stored unencrypted again (0600)`,
    )
    .action(action(() => import("../commands/ca-passphrase.js")));

  ca.command("rotate")
    .description("start a CA rollover: a new CA signs from now on; the old one stays trusted (overlap bundle) until retire-old")
    .option("--cn <name>", "the new CA's common name (default: the old one with today's date)")
    .option("--days <n>", "validity in days (default: the old CA's)")
    .addOption(keyOption("the old CA's"))
    .option("--passphrase-file <file>", "passphrase of an encrypted ca.key (the new key gets the same one)")
    .addHelpText(
      "after",
      `
Safe order: rotate; install-trust on every client (both CAs); renew --all; restart the registry;
ca retire-old; install-trust again (old CA removed). regcert status shows where you are.

Examples:
  $ regcert ca rotate
    new CA "regcert CA alice@host 2027-03-01"; ca.crt bundles for clients now hold both`,
    )
    .action(action(() => import("../commands/ca-rotate.js")));

  ca.command("retire-old")
    .description("end a CA rollover: drop the previous CA from the trust bundle and delete its key")
    .option("--force", "retire even though indexed certificates are still signed by the old CA")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert ca retire-old
    refused while the index still has certificates signed by the old CA (renew them first)`,
    )
    .action(action(() => import("../commands/ca-retire-old.js")));

  return ca;
}
