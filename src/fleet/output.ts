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
  readonly stdout: string;
  /**
   * The same text in pieces of about CHUNK characters, handed to `write` as they are rendered (the CLI
   * streams them to standard output instead of holding tens of megabytes). Absent: write `stdout`.
   */
  writeStdout?: (write: (chunk: string) => void) => void;
  notes: string[];
  warnings: string[];
}

/** One line safe inside a `#` comment of YAML or TOML: control and line-breaking characters become '?'. */
// eslint-disable-next-line no-control-regex
export const commentText = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "?");

/** About how many characters a streamed piece of output holds. */
export const CHUNK = 1 << 16;

/** Collects small strings and hands them to `sink` joined, about CHUNK characters at a time. */
export class ChunkWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly sink: (chunk: string) => void) {}
  push(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const chunk = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join("");
    this.parts = [];
    this.size = 0;
    this.sink(chunk);
  }
}

/**
 * `rendering` with `stdout` and `writeStdout` from streamedText(render): stdout stays a getter (spreading
 * the result would render the whole text), and `lazyContents(path, mode)` gives a file whose contents
 * are that same text, made only when --out DIR reads it.
 */
export function streamedRendering(rendering: Omit<FleetRendering, "stdout" | "writeStdout">, render: (push: (text: string) => void) => void): FleetRendering {
  const text = streamedText(render);
  return Object.defineProperties(rendering, {
    stdout: { get: () => text.stdout, enumerable: true },
    writeStdout: { value: text.writeStdout, enumerable: true },
  }) as FleetRendering;
}

/** A file whose contents are made on first read (and kept). */
export function lazyFile(path: string, mode: number, make: () => string): FleetFile {
  let contents: string | undefined;
  return {
    path,
    mode,
    get contents() {
      contents ??= make();
      return contents;
    },
  };
}

/**
 * The text a renderer writes through `render(push)`: `writeStdout` streams it in chunks (the text is
 * rendered anew on each call, nothing is kept), `stdout` renders it once into one string on first read.
 */
export function streamedText(render: (push: (text: string) => void) => void): { readonly stdout: string; writeStdout: (write: (chunk: string) => void) => void } {
  let whole: string | undefined;
  const writeStdout = (write: (chunk: string) => void) => {
    const writer = new ChunkWriter(write);
    render((text) => writer.push(text));
    writer.flush();
  };
  return {
    get stdout() {
      if (whole === undefined) {
        const chunks: string[] = [];
        writeStdout((chunk) => chunks.push(chunk));
        whole = chunks.join("");
      }
      return whole;
    },
    writeStdout,
  };
}
