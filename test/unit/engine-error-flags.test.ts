/**
 * Issue 11 guard: the engine (every .ts under src/ except src/cli) is also a library, so the text of
 * its errors names library options through phrase`…${opt("days", 397)}…`, never a CLI flag. This
 * test reads every engine file with the TypeScript parser and fails when a `--flag` word appears in a
 * string or template literal inside the arguments of userError(…), new RegcertError(…) or a
 * phrase`…` template, so a flag written into an engine error cannot come back unnoticed.
 *
 * The matcher is deliberately simple; its limits:
 * - it sees only literals written inside those calls: text built elsewhere and passed in (a variable,
 *   a helper's default parameter, a problem document of the ACME server) is not checked;
 * - a command line the user can run is not a flag of an option: from the name of a command
 *   (`regcert` and one of its commands, `pkcs11-tool`, …: COMMAND in test/helpers/flags.ts) to the next
 *   `,` `;` `:` `(` `)` or end of the literal,
 *   the text is skipped, so `regcert sign --csr FILE --force` in a hint passes (and so would a flag
 *   written after such a word in the same clause);
 * - a flag is `--` plus a lower-case letter after the start, a space or punctuation: `xn--` labels
 *   and ranges like `1--2` are not flags; an upper-case `--FOO` would slip through.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";
import { flagsIn } from "../helpers/flags.js";

const SRC = join(process.cwd(), "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return relative(SRC, path) === "cli" ? [] : sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

interface Hit {
  where: string;
  flags: string[];
  text: string;
}

function isErrorCall(node: ts.Node): ts.NodeArray<ts.Expression> | undefined {
  if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "userError") return node.arguments;
  if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "RegcertError") return node.arguments;
  return undefined;
}

/** Every string/template literal piece under a node (opt("days") adds "days": no flag in it). */
function literals(node: ts.Node, out: ts.Node[] = []): ts.Node[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) out.push(node);
  node.forEachChild((child) => void literals(child, out));
  return out;
}

function flagHits(file: string): Hit[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const hits: Hit[] = [];
  const seen = new Set<ts.Node>();
  const check = (root: ts.Node) => {
    for (const literal of literals(root)) {
      if (seen.has(literal)) continue;
      seen.add(literal);
      const text = (literal as ts.LiteralLikeNode).text;
      const flags = flagsIn(text);
      if (flags.length > 0) hits.push({ where: `${relative(SRC, file).split(sep).join("/")}:${source.getLineAndCharacterOfPosition(literal.getStart()).line + 1}`, flags, text });
    }
  };
  const visit = (node: ts.Node): void => {
    const args = isErrorCall(node);
    if (args) args.forEach(check);
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && node.tag.text === "phrase") check(node.template);
    node.forEachChild(visit);
  };
  visit(source);
  return hits;
}

describe("engine errors name no CLI flag", () => {
  test("the matcher finds flags and skips command lines", () => {
    expect(flagsIn("use --days 397, or add --force")).toEqual(["--days", "--force"]);
    expect(flagsIn('"--user" is empty')).toEqual(["--user"]);
    expect(flagsIn("renew it with regcert sign --csr FILE --force, from a new request")).toEqual([]);
    expect(flagsIn("check token= in the URI (pkcs11-tool --module MODULE --list-token-slots lists them), or use --pkcs11")).toEqual(["--pkcs11"]);
    expect(flagsIn("xn--bcher-kva.example and 1--2")).toEqual([]);
    expect(flagsIn("regcert never replaces files without --force")).toEqual(["--force"]);
    expect(flagsIn("adopt it again: regcert init-ca --pkcs11 URI --import-cert ca.crt --force")).toEqual([]);
  });

  test("the guard sees the files it must (not src/cli)", () => {
    const files = sourceFiles(SRC).map((f) => relative(SRC, f).split(sep).join("/"));
    expect(files).toEqual(expect.arrayContaining(["pki/errors.ts", "files/write.ts", "acme/policy.ts", "pkcs11/token.ts"]));
    expect(files.filter((f) => f.startsWith("cli/"))).toEqual([]);
  });

  test("no --flag inside userError(…), new RegcertError(…) or phrase`…` outside src/cli", () => {
    const hits = sourceFiles(SRC).flatMap(flagHits);
    expect(hits.map((h) => `${h.where}: ${h.flags.join(" ")}  in  ${JSON.stringify(h.text)}`)).toEqual([]);
  });
});
