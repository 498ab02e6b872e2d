/**
 * The one sanitiser for text that came from outside (certificates, servers, files, arguments) before
 * it reaches a terminal: control characters (C0, DEL, C1), Unicode line/paragraph separators, bidi
 * controls, zero-width characters, the BOM and lone surrogates are shown escaped (`\x1b`, `\n`,
 * `\u202e`), so a hostile subject or header can neither move the cursor, clear the screen nor forge an
 * output line. JSON output does not use this: JSON escapes by itself.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_SOURCE = "[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]";
const UNSAFE = new RegExp(UNSAFE_SOURCE, "g");
const UNSAFE_ONE = new RegExp(UNSAFE_SOURCE);

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  switch (ch) {
    case "\n": return "\\n";
    case "\r": return "\\r";
    case "\t": return "\\t";
    default:
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  }
}

/** `text` with every control or direction-changing character shown as an escape. */
export function sanitizeForTerminal(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** True when `text` holds a character sanitizeForTerminal would escape. */
export function hasControlCharacters(text: string): boolean {
  return UNSAFE_ONE.test(text);
}

/** Our own colour sequences (ui.ts paints with exactly these); everything else is escaped. */
const OWN_SGR = /\u001b\[(?:0|1|2|32|33)m/y;

/**
 * Like sanitizeForTerminal, but keeps the SGR colour sequences regcert itself paints with (bold, dim,
 * green, yellow, reset): the last line of defence in ui.ts for a line mixing our colours with outside
 * text. Those sequences change colour only; they cannot move the cursor or start a line.
 */
export function sanitizeKeepingColours(text: string): string {
  if (!hasControlCharacters(text)) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    OWN_SGR.lastIndex = i;
    const m = OWN_SGR.exec(text);
    if (m) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    out += sanitizeForTerminal(ch);
    i += ch.length;
  }
  return out;
}
