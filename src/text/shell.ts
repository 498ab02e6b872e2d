/**
 * The one way regcert prints a shell command: argv in, one POSIX-quoted line out. Every "next step",
 * fix and hint that a user may paste goes through here, so a path with spaces, quotes, `$()`,
 * backticks, newlines or escape characters comes back from `sh` as exactly the argument it was
 * (test/property/shell.property.test.ts runs the lines through sh).
 *
 * Rules (POSIX.1-2017 XCU 2.2, 2.6):
 * - a word made only of characters no shell expands is printed bare;
 * - otherwise it is single-quoted (nothing is special inside '…'; a ' is written '\'');
 * - a word holding a control or direction-changing character is printed as "$(printf 'FMT')", with each
 *   such character as octal escapes of its UTF-8 bytes, so the printed line stays one line that a
 *   terminal shows as it is (a newline in a path cannot fake a new step line). Command substitution
 *   drops trailing newlines, so a word that ends with a newline keeps its newlines inside '…' instead
 *   (correct when pasted; the only case where a printed command spans lines).
 * - the first word is quoted when it looks like an assignment (`A=b cmd` would set a variable).
 */
import { hasControlCharacters } from "./sanitize.js";

/** Characters that never need quoting in a POSIX shell word (no glob, no expansion, no tilde). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** A word sh would take as a variable assignment when it comes first. */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const octalBytes = (ch: string) => [...Buffer.from(ch, "utf8")].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");

/** printf's format for `value`: `\\` and `%%` for those two; unsafe characters, `'` and a leading `-` as octal escapes. */
function printfFormat(value: string): string {
  let out = "";
  for (const ch of value) {
    if (ch === "\\") out += "\\\\";
    else if (ch === "%") out += "%%";
    else if (ch === "'" || (out === "" && ch === "-") || hasControlCharacters(ch)) out += octalBytes(ch);
    else out += ch;
  }
  return out;
}

/** One argument, quoted for POSIX sh (see the rules above). Throws on NUL, which no argv can hold. */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new TypeError("a shell argument cannot contain NUL");
  if (value !== "" && SAFE_WORD.test(value)) return value;
  if (hasControlCharacters(value) && !value.endsWith("\n")) return `"$(printf '${printfFormat(value)}')"`;
  return singleQuoted(value);
}

/** A whole command line from its argv: each word quoted, joined by single spaces. */
export function shellLine(argv: readonly string[]): string {
  return argv
    .map((word, i) => {
      const quoted = shellQuote(word);
      // a bare first word `A=b` would be an assignment; any quoted form already is not
      return i === 0 && quoted === word && ASSIGNMENT.test(word) ? singleQuoted(word) : quoted;
    })
    .join(" ");
}

/** One command over several lines: each group of words quoted, every line but the last ending in ` \`. */
export function shellLines(groups: readonly (readonly string[])[]): string[] {
  const words = groups.flat();
  const first = shellLine(words.slice(0, 1));
  let index = 0;
  return groups.map((group, i) => {
    const quoted = group.map((word) => (index++ === 0 ? first : shellQuote(word))).join(" ");
    return i < groups.length - 1 ? `${quoted} \\` : quoted;
  });
}
