/** What a fleet renderer returns: files for `--out DIR`, the text for `--out -`, and what to tell the user. */
export interface FleetFile {
  /** relative POSIX path under --out */
  path: string;
  contents: string;
  /** 0o600 when it holds a private key (a client key), else 0o644 */
  mode: number;
}

export interface FleetRendering {
  files: FleetFile[];
  /** what `--out -` prints (one self-contained document) */
  stdout: string;
  notes: string[];
  warnings: string[];
}

/** One line safe inside a `#` comment of YAML or TOML: control and line-breaking characters become '?'. */
// eslint-disable-next-line no-control-regex
export const commentText = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "?");
