/**
 * The one way regcert prints a shell command: argv in, one POSIX-quoted line out. Every "next step",
 * fix and hint that a user may paste goes through here, so a path with spaces, quotes, `$()`,
 * backticks or newlines comes back from `sh` as exactly the argument it was.
 */

/** Characters that never need quoting in a POSIX shell word (no glob, no expansion, no `=` at start issues for argv use). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argument, quoted for POSIX sh: bare when safe, else single quotes ('\'' for a quote inside). */
export function shellQuote(value: string): string {
  if (value !== "" && SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A whole command line from its argv: each word quoted, joined by single spaces. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}
