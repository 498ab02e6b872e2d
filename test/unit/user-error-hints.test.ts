/**
 * Every user mistake (exit 2) carries a hint, structurally: userError() requires one (TypeScript), and
 * RegcertError refuses exitCode 2 without one at run time. This test reads every call site in src/
 * with the TypeScript parser and checks each userError(...) has a non-empty third argument and each
 * `new RegcertError(…, { exitCode: 2 … })` a `hint`, so a JavaScript caller or an `as any` cannot
 * slip one through; and it lists the codes so a new one is seen in review.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { RegcertError, userError } from "../../src/pki/errors.js";

const SRC = join(process.cwd(), "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

interface Site {
  file: string;
  line: number;
  code: string;
  hint: string | undefined;
}

function callSites(): Site[] {
  const sites: Site[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const where = (node: ts.Node) => ({ file: file.slice(SRC.length + 1), line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "userError") {
        const [code, , hint] = node.arguments;
        sites.push({ ...where(node), code: code?.getText() ?? "?", hint: hint?.getText() });
      }
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "RegcertError") {
        const [code, , options] = node.arguments ?? [];
        if (options && ts.isObjectLiteralExpression(options)) {
          const prop = (name: string) => options.properties.find((p) => p.name?.getText() === name);
          const exit = prop("exitCode");
          if (exit && ts.isPropertyAssignment(exit) && exit.initializer.getText() === "2") {
            const hint = prop("hint");
            sites.push({ ...where(node), code: code?.getText() ?? "?", hint: hint ? hint.getText() : undefined });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites;
}

const sites = callSites();

test("there are user errors to check (the scan works)", () => {
  expect(sites.length).toBeGreaterThan(150);
  expect(sites.some((s) => s.file === "files/write.ts" && s.code === '"regcert.fileExists"')).toBe(true);
});

test("every user error in src/ has a hint", () => {
  const missing = sites.filter((s) => s.hint === undefined || /^["'`]\s*["'`]$/.test(s.hint) || s.hint === "undefined");
  expect(missing.map((s) => `${s.file}:${s.line} ${s.code}`)).toEqual([]);
});

test("the runtime refuses a user error without a hint", () => {
  expect(() => userError("regcert.x", "m", "")).toThrow(TypeError);
  expect(() => new RegcertError("regcert.x", "m", { exitCode: 2 } as never)).toThrow(/needs a hint/);
  expect(new RegcertError("regcert.x", "m", { exitCode: 1 }).exitCode).toBe(1);
  expect(userError("regcert.x", "m", "do this").hint).toBe("do this");
});

test("user error codes are namespaced", () => {
  const codes = new Set(sites.map((s) => s.code).filter((c) => c.startsWith('"')));
  for (const code of codes) expect(code).toMatch(/^"regcert\.[a-zA-Z0-9]+"$/);
});
