/**
 * shellLine/shellQuote, judged by the shells themselves: random argv (paths with spaces, quotes, `$()`,
 * backticks, newlines, escape characters, bidi controls, non-ASCII) → the printed line → `sh -c line`
 * (dash here; bash too when present) → the argv printf receives must be exactly the one we quoted.
 * The printed line must also be safe to show: one line, no control character, unless a word ends with
 * a newline (the one case command substitution cannot carry; see src/text/shell.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { shellLine, shellQuote } from "../../src/text/shell.js";
import { hasControlCharacters } from "../../src/text/sanitize.js";

const SHELLS = ["sh", ...(spawnSync("bash", ["-c", "true"]).status === 0 ? ["bash"] : [])];

/** argv as the shell hands it to printf '%s\0' … */
function throughShell(shell: string, words: readonly string[], cwd?: string): string[] {
  const line = shellLine(["printf", "%s\\000", ...words]);
  const run = spawnSync(shell, ["-c", line], { encoding: "utf8", ...(cwd ? { cwd } : {}) });
  if (run.status !== 0) throw new Error(`${shell} failed (${run.status}) on ${JSON.stringify(line)}: ${run.stderr}`);
  const parts = run.stdout.split("\0");
  parts.pop();
  return parts;
}

const nasty = [" ", "'", '"', "$", "(", ")", "`", "\\", "\n", "\t", "\r", "\u001b", "\u0007", "\u007f", "\u009b", "\u202e", "\u2028", "é", "日", "🙂", "%", "-", "~", "*", "?", "[", "]", "{", "}", "#", "!", "&", ";", "|", "<", ">", "=", ":", "@", ",", "+"];
const pathChar = fc.oneof(fc.constantFrom(...nasty), fc.constantFrom(..."abcxyz/._09"));
const word = fc.oneof(
  fc.string({ unit: pathChar, maxLength: 24 }),
  fc.constantFrom("my certs/$(touch /tmp/x)", "a`id`b", "-n", "--force", "~/x", "x\n", "\n", "", "A=b", "it's", "%s%%", "\\0"),
);
const argv = fc.array(word, { minLength: 1, maxLength: 5 });

describe.each(SHELLS)("shellLine through %s", (shell) => {
  test("random argv comes back exactly", () => {
    fc.assert(
      fc.property(argv, (words) => {
        expect(throughShell(shell, words)).toEqual(words);
      }),
      { numRuns: 250 },
    );
  });
});

test("the printed line is one line without control characters unless a word ends with a newline", () => {
  fc.assert(
    fc.property(argv, (words) => {
      const line = shellLine(words);
      if (!words.some((w) => w.endsWith("\n"))) {
        expect(line).not.toMatch(/\n/);
        expect(hasControlCharacters(line)).toBe(false);
      }
    }),
    { numRuns: 2000 },
  );
});

test("a pasted path with $(touch …) and backticks runs nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), "regcert-shell-"));
  try {
    const words = ["my certs/$(touch made-by-dollar)", "x`touch made-by-backtick`", "line\n$(touch made-by-newline)"];
    expect(throughShell("sh", words, dir)).toEqual(words);
    for (const f of ["made-by-dollar", "made-by-backtick", "made-by-newline"]) expect(existsSync(join(dir, f))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("known answers", () => {
  expect(shellQuote("/a/b:c")).toBe("/a/b:c");
  expect(shellQuote("")).toBe("''");
  expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  expect(shellQuote("a\nb")).toBe(`"$(printf 'a\\012b')"`);
  expect(shellQuote("-x\u001b")).toBe(`"$(printf '\\055x\\033')"`);
  expect(shellLine(["A=b", "c=d"])).toBe("'A=b' c=d");
  expect(() => shellQuote("a\0b")).toThrow(TypeError);
});
