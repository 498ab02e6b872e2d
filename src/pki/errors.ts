/**
 * The one error type regcert throws for input it cannot accept or state it will not repair.
 *
 * `code` is stable and namespaced (`regcert.invalidName`); `message` names the bad value and the rule
 * it broke; `hint` is the exact next step, in mkcert's voice ("re-run with --force to overwrite").
 * `exitCode` follows the CLI contract: 1 failure, 2 user error.
 */
export class RegcertError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RegcertError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A mistake the user can fix (exit code 2). */
export function userError(code: string, message: string, hint?: string): RegcertError {
  return new RegcertError(code, message, hint === undefined ? { exitCode: 2 } : { hint, exitCode: 2 });
}

export function isRegcertError(error: unknown): error is RegcertError {
  return error instanceof RegcertError;
}
