/**
 * Scalars exactly as the `yaml` package writes them with the fleet's options (YAML 1.1 quoting, no
 * folding, literal blocks), for renderers whose documents have a fixed shape and thousands of entries:
 * building the `yaml` document model for 10,000 hosts costs seconds, writing the lines costs
 * milliseconds. Only what is certain is decided here:
 * - plain: a string of safe characters (letters, digits, `_./:-[]`, not starting with `-`, `.`, `[`,
 *   `]` or `:`, not ending with `:`) that no non-string tag of the package's YAML 1.1 schema would
 *   read (numbers, booleans, null, timestamps, sexagesimals: the schema's own tests decide);
 * - literal block `|`: printable ASCII lines ending in exactly one newline, the first not starting
 *   with a space, no line ending in a space;
 * everything else is handed to the `yaml` package itself (one small document, remembered), so the
 * output is the package's byte for byte (test/unit/fleet/yaml-writer.test.ts compares them).
 */
import { Document, stringify } from "yaml";

/** The options every fleet YAML document is written with. */
export const YAML_OPTIONS = { version: "1.1", lineWidth: 0, blockQuote: "literal", indentSeq: true, aliasDuplicateObjects: false } as const;

interface TestedTag {
  default?: unknown;
  tag: string;
  test?: RegExp;
}
const schema = new Document(null, { version: "1.1" }).schema as unknown as { tags: TestedTag[]; compat?: TestedTag[] | null };
const NON_STRING_TESTS: RegExp[] = [...schema.tags, ...(schema.compat ?? [])].filter((t) => t.default && t.tag !== "tag:yaml.org,2002:str" && t.test).map((t) => t.test as RegExp);

const SAFE_PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_./:[\]-]*$/;
const SAFE_BLOCK = /^[\x21-\x7e][\x20-\x7e\n]*$/;

/** Whether a schema test could match: every non-string scalar of YAML 1.1 starts with a digit, sign, dot or `~`, or is a word of at most 5 letters (yes, off, null, FALSE…); a path starts with `/`. */
const mayBeNonString = (text: string): boolean => !text.startsWith("/") && (text.length <= 5 || !/^[A-Za-z_]/.test(text));

const isPlain = (text: string): boolean => text.length <= 512 && SAFE_PLAIN.test(text) && !text.endsWith(":") && !(mayBeNonString(text) && NON_STRING_TESTS.some((test) => test.test(text)));

const isLiteralBlock = (text: string): boolean => SAFE_BLOCK.test(text) && text.endsWith("\n") && !text.endsWith("\n\n") && !text.includes(" \n");

/** Adds `column` spaces before every non-empty line after the first. */
const shift = (text: string, column: number): string => (column === 0 ? text : text.replace(/\n(?=[^\n])/g, `\n${" ".repeat(column)}`));

const byPackageValue = new Map<string, string>();
const byPackageKey = new Map<string, string>();

/** The package's rendering of a mapping value at column 0 (after `k: `). */
function packageValue(text: string): string {
  let out = byPackageValue.get(text);
  if (out === undefined) {
    out = stringify({ k: text }, YAML_OPTIONS).slice("k: ".length, -1);
    byPackageValue.set(text, out);
  }
  return out;
}

/**
 * A string as the value of a block mapping entry whose key starts at `column`: what follows `key: `,
 * without the final newline (a literal block's lines are indented to column + 2).
 */
export function yamlValue(text: string, column: number): string {
  if (isPlain(text)) return text;
  if (isLiteralBlock(text)) return `|\n${" ".repeat(column + 2)}${text.slice(0, -1).replace(/\n+/g, `$&${" ".repeat(column + 2)}`)}`;
  return shift(packageValue(text), column);
}

/**
 * A string as an implicit mapping key at `column` (an even number: nested mappings), e.g. a host name,
 * `host:port`, `host..port`: what precedes `: `. The package quotes some keys by depth (`---`).
 */
export function yamlKey(text: string, column: number): string {
  if (isPlain(text)) return text;
  const memo = `${column}\0${text}`;
  let out = byPackageKey.get(memo);
  if (out === undefined) {
    let value: unknown = { [text]: 0 };
    for (let depth = 0; depth < column / 2; depth++) value = { k: value };
    const lines = stringify(value, YAML_OPTIONS).split("\n");
    const line = lines[lines.length - 2] ?? "";
    if (lines.length !== column / 2 + 2 || !line.startsWith(" ".repeat(column)) || !line.endsWith(": 0") || line.slice(column).startsWith("? ")) throw new Error(`yaml-writer: no single-line key for ${JSON.stringify(text)}`);
    out = line.slice(column, -": 0".length);
    byPackageKey.set(memo, out);
  }
  return out;
}

/** A value (mapping, list, scalar) rendered by the package at `column` (every line after the first shifted). */
export function yamlBlockAt(value: unknown, column: number): string {
  const text = stringify(value, YAML_OPTIONS);
  return column === 0 ? text : `${" ".repeat(column)}${text.slice(0, -1).replace(/\n(?=[^\n])/g, `\n${" ".repeat(column)}`)}\n`;
}
