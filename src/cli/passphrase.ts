/**
 * Passphrases for an encrypted CA key: from --passphrase-file, else asked on a TTY, else a clear
 * error (exit 2 with a hint) — never a prompt that waits forever on a pipe.
 */
import { userError } from "../pki/errors.js";
import { isCaKeyEncrypted } from "../files/ca-store.js";
import type { Context } from "./context.js";
import { readInputFileSync } from "./input.js";
import { askSecret } from "./prompts.js";

/** A passphrase is one line; 64 KiB is generous and keeps /dev/zero-like files out. */
const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;

/**
 * Reads a passphrase file: the first line, without its line ending (so `echo secret > F` works).
 * Refuses an empty passphrase, a directory, a device and anything larger than 64 KiB.
 */
export function readPassphraseFile(file: string, flag = "--passphrase-file"): string {
  const text = readInputFileSync(file, flag, MAX_PASSPHRASE_FILE_BYTES).toString("utf8");
  const passphrase = text.split(/\r?\n/)[0] ?? "";
  if (passphrase === "") throw userError("regcert.emptySecret", `the passphrase in ${file} is empty (${flag})`, "an empty passphrase is not allowed: put the passphrase on the file's first line");
  return passphrase;
}

/** The passphrase for the home's CA key when it is encrypted, undefined when it is not (or there is no CA). */
export async function readPassphrase(ctx: Context, file: string | undefined, home: string): Promise<string | undefined> {
  if (file) return readPassphraseFile(file);
  let encrypted = false;
  try {
    encrypted = isCaKeyEncrypted(home);
  } catch {
    return undefined; // half a CA: loading it reports the real problem
  }
  if (!encrypted) return undefined;
  return askSecret(ctx, "CA key passphrase", "pass --passphrase-file FILE (there is no terminal to ask on)", `the CA key in ${home} is encrypted and no passphrase was given`);
}

/**
 * A new passphrase: from `file`, or asked twice on a TTY. Without either: exit 2 with the hint.
 * `flag` names the file option in messages (--passphrase-file, --new-passphrase-file).
 */
export async function readNewPassphrase(ctx: Context, file: string | undefined, flag = "--passphrase-file", message = "New CA key passphrase"): Promise<string> {
  if (file) return readPassphraseFile(file, flag);
  return askSecret(ctx, message, `pass ${flag} FILE (there is no terminal to ask on)`, "a passphrase is needed and there is no terminal to ask for it", true);
}
