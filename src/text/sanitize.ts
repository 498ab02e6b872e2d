/**
 * The one sanitiser for text that came from outside (certificates, servers, files, arguments) before
 * it reaches a terminal: control characters (C0, DEL, C1) and Unicode line/paragraph separators and
 * bidi overrides are shown escaped (`\x1b`, `\n`, `\u202e`), so a hostile subject or header can neither
 * move the cursor nor forge an output line. JSON output does not use this: JSON escapes by itself.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
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
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
