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
  | { exitCode: 2; hint: ErrorText; cause?: unknown }
  | { exitCode?: 1 | 3 | 4; hint?: ErrorText; cause?: unknown };

/**
 * An option of the library's option objects named inside an error (`days`, `allowLongValidity`).
 * The engine is also a library, so its errors name options, never CLI flags: each front end renders
 * the reference in its own vocabulary (the CLI: its flag, src/cli/option-flags.ts).
 */
export interface OptionRef {
  readonly option: string;
  /** the value given or suggested, already formatted (quoted where the text quotes it); true: a switch */
  readonly value?: string | number | true;
}

/** A message or hint with option references in it, rendered per audience (library or CLI). */
export type Phrase = readonly (string | OptionRef)[];
export type ErrorText = string | Phrase;

export function opt(option: string, value?: string | number | true): OptionRef {
  return value === undefined ? { option } : { option, value };
}

/** phrase`use ${opt("days", 397)}, or set ${opt("allowLongValidity", true)}` */
export function phrase(strings: TemplateStringsArray, ...values: readonly (string | number | OptionRef)[]): Phrase {
  const parts: (string | OptionRef)[] = [];
  strings.forEach((s, i) => {
    parts.push(s);
    const value = values[i];
    if (i < values.length && value !== undefined) parts.push(typeof value === "object" ? value : String(value));
  });
  return parts;
}

/** The library's words for an option: `days: 397`, `allowLongValidity: true`, `permittedDns`. */
export function libraryTerm(ref: OptionRef): string {
  return ref.value === undefined ? ref.option : `${ref.option}: ${ref.value}`;
}

export function renderErrorText(text: ErrorText, term: (ref: OptionRef) => string = libraryTerm): string {
  return typeof text === "string" ? text : text.map((part) => (typeof part === "string" ? part : term(part))).join("");
}

export class RegcertError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;
  /** message and hint with their option references, for a front end that names options its own way */
  readonly phrases: { readonly message: ErrorText; readonly hint: ErrorText | undefined };

  constructor(code: string, message: ErrorText, options: RegcertErrorOptions = {}) {
    super(renderErrorText(message), options.cause === undefined ? undefined : { cause: options.cause });
    const hint = options.hint === undefined ? undefined : renderErrorText(options.hint);
    // for JavaScript callers, whom the type does not stop
    if (options.exitCode === 2 && !hint?.trim()) throw new TypeError(`RegcertError ${code} (exit 2, a user mistake) needs a hint`);
    this.name = "RegcertError";
    this.code = code;
    this.hint = hint;
    this.exitCode = options.exitCode ?? 1;
    this.phrases = { message, hint: options.hint };
  }
}

/** A mistake the user can fix (exit code 2), with the exact fix as `hint` (required). */
export function userError(code: string, message: ErrorText, hint: ErrorText): RegcertError {
  if (renderErrorText(hint).trim() === "") throw new TypeError(`userError ${code} needs a hint`);
  return new RegcertError(code, message, { hint, exitCode: 2 });
}

export function isRegcertError(error: unknown): error is RegcertError {
  return error instanceof RegcertError;
}
