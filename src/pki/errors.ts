/**
 * The one error type regcert throws for input it cannot accept or state it will not repair.
 *
 * `code` is stable and namespaced (`regcert.invalidName`); `message` names the bad value and the rule
 * it broke; `hint` is the exact next step, in mkcert's voice ("re-run with --force to overwrite").
 * `exitCode` follows the CLI contract: 1 failure, 2 user error.
 */
/**
 * A user mistake (exit 2) must say how to fix it: the type demands a hint with exitCode 2, and
 * userError() demands one too (test/unit/user-error-hints.test.ts checks every call site).
 */
export type RegcertErrorOptions =
  | { exitCode: 2; hint: string; cause?: unknown }
  | { exitCode?: 1 | 3 | 4; hint?: string; cause?: unknown };

export class RegcertError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, options: RegcertErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // for JavaScript callers, whom the type does not stop
    if (options.exitCode === 2 && !options.hint?.trim()) throw new TypeError(`RegcertError ${code} (exit 2, a user mistake) needs a hint`);
    this.name = "RegcertError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A mistake the user can fix (exit code 2), with the exact fix as `hint` (required). */
export function userError(code: string, message: string, hint: string): RegcertError {
  if (hint.trim() === "") throw new TypeError(`userError ${code} needs a hint`);
  return new RegcertError(code, message, { hint, exitCode: 2 });
}

export function isRegcertError(error: unknown): error is RegcertError {
  return error instanceof RegcertError;
}
