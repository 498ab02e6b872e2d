import { opt, phrase, RegcertError, userError } from "../pki/errors.js";

/** A file-system error as a RegcertError: permission problems are the user's to fix (exit 2). */
export function fsErrorFor(action: string, path: string, error: unknown): RegcertError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return userError("regcert.permissionDenied", `cannot ${action} ${path}: permission denied`, phrase`re-run with sudo, or pass ${opt("root", "DIR")}`);
  return new RegcertError("regcert.writeFailed", `failed to ${action} ${path}: ${(error as Error).message}`, { cause: error });
}
