/**
 * Hand-written YAML for the Ansible renderer, which must stay linear and fast at 10,000 hosts (the
 * `yaml` library's node tree costs seconds there). Every string is emitted double-quoted, with every
 * character outside printable ASCII escaped, so no value can become a number, a boolean, a comment,
 * an alias or a new key under YAML 1.1 (PyYAML, Ansible's parser) or 1.2; strings that reach Ansible's
 * templating are tagged `!unsafe`, so a `{{` in them is data, never Jinja.
 */

/** A double-quoted YAML scalar: JSON escaping, plus \\uXXXX / \\UXXXXXXXX for everything non-printable or non-ASCII. */
export function quote(text: string): string {
  // the common case (paths, host names, hashes): printable ASCII without '"' or '\\' is its own escape
  if (/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(text)) return `"${text}"`;
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** A string Ansible must never template: `!unsafe "…"`. */
export const unsafe = (text: string): string => `!unsafe ${quote(text)}`;

/**
 * `!unsafe |` literal block at `indent` spaces when the text is plain printable ASCII lines ending in
 * exactly one newline (PEM, TOML), else a quoted scalar: the bytes are the same either way.
 */
export function unsafeBlock(text: string, indent: number): string {
  const plain = /^[\x20-\x7e\n]+$/.test(text) && text.endsWith("\n") && !text.endsWith("\n\n") && !/^[ \n]/.test(text) && !/ \n/.test(text);
  if (!plain) return unsafe(text);
  // the first line is not empty (checked above); every later non-empty line gets the pad, empty lines stay empty
  const pad = " ".repeat(indent);
  return `!unsafe |\n${pad}${text.slice(0, -1).replace(/\n(?=[^\n])/g, `\n${pad}`)}`;
}
