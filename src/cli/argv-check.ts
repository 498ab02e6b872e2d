/**
 * Every argument a command gets from the command line (flags and positionals) is checked once, before
 * the command runs: a value with a control character (ESC, a newline, …) or with white space around it
 * is refused (exit 2). Such values name hosts, CNs, users and paths; a newline in `--host` would
 * otherwise be trimmed away silently, and an ESC in `--cn` would end up in a certificate that later
 * reaches someone's terminal.
 */
import type { Command } from "commander";
import { userError } from "../pki/errors.js";
import { hasControlCharacters, sanitizeForTerminal } from "../text/sanitize.js";
import { shellQuote } from "../text/shell.js";

function check(value: string, what: string): void {
  if (hasControlCharacters(value)) {
    throw userError("regcert.controlCharacter", `${what} "${sanitizeForTerminal(value)}" contains a control character or line break`, `retype ${what} without it (regcert refuses them in names, hosts and paths)`);
  }
  if (value !== value.trim()) {
    const trimmed = value.trim();
    throw userError("regcert.surroundingWhitespace", `${what} "${value}" starts or ends with white space`, trimmed === "" ? `give a value for ${what}` : `write it without the spaces: ${shellQuote(trimmed)}`);
  }
}

const strings = (value: unknown): string[] => (typeof value === "string" ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

/** Throws a user error for the first flag or argument of `command` that fails the rules above. */
export function refuseUnsafeArguments(command: Command, positionals: readonly unknown[]): void {
  const registered = command.registeredArguments;
  positionals.forEach((value, i) => {
    const name = registered[Math.min(i, registered.length - 1)]?.name() ?? "argument";
    for (const s of strings(value)) check(s, name.toUpperCase());
  });
  for (let c: Command | null = command; c; c = c.parent) {
    const opts = c.opts();
    for (const option of c.options) {
      for (const s of strings(opts[option.attributeName()])) check(s, option.long ?? option.flags);
    }
  }
}
