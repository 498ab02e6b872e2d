/**
 * The shortcuts status's printer takes over 10,000 certificates must print exactly what the general
 * functions print: pathShower against displayPath (path.relative), and the pre-check in front of the
 * terminal sanitiser against sanitizeForTerminal itself.
 */
import { pathShower, safe } from "../../../src/cli/commands/status.js";
import { displayPath } from "../../../src/cli/paths.js";
import { sanitizeForTerminal } from "../../../src/text/sanitize.js";

const CWDS = ["/", "/work", "/work/", "/work/wt", "/work/./wt", "/work//wt", "/work/wt/..", "relative/dir", "/wörk ẞ/日本"];
const PATHS = [
  "/", "/work", "/work/", "/work/wt", "/work/wt/", "/work/wt/a.crt", "/work/wt/certs/000/host0.crt", "/work/wtx/a.crt", "/work/w",
  "/work/wt/../a.crt", "/work/wt/./a.crt", "/work//wt/a.crt", "/work/wt/.hidden/a.crt", "/work/wt/..a/b", "/work/wt/a.",
  "/other/a.crt", "a.crt", "./a.crt", "../a.crt", "", "/work/wt/a\nb.crt", "/wörk ẞ/日本/x.crt", "/wörk ẞ/日本x/x.crt", "/wörk ẞ",
];

test.each(CWDS)("pathShower(%j) shows every path exactly as displayPath does", (cwd) => {
  const show = pathShower(cwd);
  for (const path of PATHS) expect([path, show(path)]).toEqual([path, displayPath(path, cwd)]);
});

test("the fast path is the one taken for index paths under the working directory (not a silent fallback everywhere)", () => {
  // inside: the rest after "cwd/"; outside: unchanged
  expect(pathShower("/work/wt")("/work/wt/certs/000/host0.crt")).toBe("certs/000/host0.crt");
  expect(pathShower("/work/wt")("/work/wtx/a.crt")).toBe("/work/wtx/a.crt");
  expect(pathShower("/")("/a/b")).toBe("a/b");
});

test("safe() equals sanitizeForTerminal for every UTF-16 code unit, alone and around a surrogate pair", () => {
  const differing: string[] = [];
  for (let code = 0; code <= 0xffff; code++) {
    const ch = String.fromCharCode(code);
    for (const text of [ch, `a${ch}b`, `${ch}\ud83d\ude00`, `\ud83d${ch}`, `${ch}\ude00`]) {
      if (safe(text) !== sanitizeForTerminal(text)) differing.push(code.toString(16));
    }
  }
  expect(differing).toEqual([]);
  expect(safe("host\u001b[2J")).toBe("host\\x1b[2J"); // and it does escape
  expect(safe(null)).toBe("null");
});
