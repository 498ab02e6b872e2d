/**
 * Definitions of the `regcert ca` group: work on the home's CA itself. `passphrase` lives here; CA
 * rollover adds `rotate` and `retire-old` to the same group (one `ca.command(…)` block each).
 */
import type { Command } from "commander";
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

  return ca;
}
