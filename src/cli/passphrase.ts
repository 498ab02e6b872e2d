/** Passphrases for an encrypted CA key: from --passphrase-file, else asked on a TTY, else a clear error. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { userError } from "../pki/errors.js";
import type { Context } from "./context.js";
import { askSecret } from "./prompts.js";

/** Reads a passphrase file (first line, trailing newline dropped); refuses an empty one. */
export function readPassphraseFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw userError("regcert.unreadableFile", `cannot read passphrase file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const passphrase = (text.split(/\r?\n/)[0] ?? "");
  if (passphrase === "") throw userError("regcert.emptySecret", `passphrase file ${file} is empty`, "an empty passphrase is not allowed");
  return passphrase;
}

/** The passphrase for the home's CA key when it is encrypted, undefined when it is not. */
export async function readPassphrase(ctx: Context, file: string | undefined, home: string): Promise<string | undefined> {
  if (file) return readPassphraseFile(file);
  let encrypted = false;
  try {
    encrypted = readFileSync(join(home, "ca.key"), "utf8").includes("ENCRYPTED");
  } catch {
    return undefined;
  }
  if (!encrypted) return undefined;
  return askSecret(ctx, "CA key passphrase", "pass --passphrase-file FILE (no terminal to ask on)", `the CA key in ${home} is encrypted and no passphrase was given`);
}
