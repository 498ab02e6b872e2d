import { sanitizeForTerminal, sanitizeKeepingColours } from "../text/sanitize.js";

/**
 * Everything the CLI prints goes through here: plain lines on stdout, warnings and progress on
 * stderr, colours only on a TTY (and never with NO_COLOR or --no-color), JSON for --json. Every
 * line passes the terminal sanitiser on its way out (our own colour codes kept), so outside text a
 * command forgot to escape still cannot move the cursor (info keeps the line breaks its caller put in:
 * outside text is escaped where it is inserted, e.g. a certificate's subject); JSON is left as it is.
 */
export interface GlobalOptions {
  home?: string | undefined;
  json: boolean;
  yes: boolean;
  quiet: boolean;
  color: boolean;
}

export interface Ui {
  readonly json: boolean;
  readonly quiet: boolean;
  /** a result line on stdout (suppressed by --json and --quiet) */
  info(line?: string): void;
  /** "warning: …" on stderr (suppressed by --quiet) */
  warn(message: string): void;
  /** the one JSON document of a --json run */
  result(value: unknown): void;
  bold(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  /** a spinner on a TTY for slow work (RSA keys); returns the function that stops it */
  progress(label: string): () => void;
}

export interface UiStreams {
  stdout: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  stderr: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
}

export function createUi(options: GlobalOptions, env: NodeJS.ProcessEnv, given?: UiStreams): Ui {
  // process.stdout/stderr are created on first use, which loads node's stream modules: a --quiet run that
  // prints nothing never touches them (nothing it builds is shown, so it is not painted either)
  const streams: UiStreams = given ?? { get stdout() { return process.stdout; }, get stderr() { return process.stderr; } };
  let color: boolean | undefined;
  const useColor = () => (color ??= !options.quiet && options.color && !("NO_COLOR" in env && env.NO_COLOR !== "") && env.TERM !== "dumb" && streams.stdout.isTTY === true);
  const paint = (code: number) => (text: string) => (useColor() ? `\u001b[${code}m${text}\u001b[0m` : text);
  const errColor = () => options.color && !("NO_COLOR" in env && env.NO_COLOR !== "") && streams.stderr.isTTY === true;
  return {
    json: options.json,
    quiet: options.quiet,
    info(line = "") {
      if (!options.json && !options.quiet) streams.stdout.write(`${line.split("\n").map(sanitizeKeepingColours).join("\n")}\n`);
    },
    warn(message) {
      if (!options.quiet) streams.stderr.write(`${errColor() ? "\u001b[33mwarning:\u001b[0m" : "warning:"} ${sanitizeForTerminal(message)}\n`);
    },
    result(value) {
      streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    bold: paint(1),
    green: paint(32),
    yellow: paint(33),
    dim: paint(2),
    progress(label) {
      if (options.quiet || streams.stderr.isTTY !== true) return () => {};
      const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
      const started = Date.now();
      let i = 0;
      const draw = () => {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        streams.stderr.write(`\r${frames[i++ % frames.length]} ${label} ${seconds}s`);
      };
      draw();
      const timer = setInterval(draw, 80);
      return () => {
        clearInterval(timer);
        streams.stderr.write("\r\u001b[2K");
      };
    },
  };
}
