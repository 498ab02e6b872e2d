/** Parses argv, runs the command, and maps every error to one message and an exit code (the only catch). */
import { type Command, CommanderError } from "commander";
import { buildProgram } from "./program.js";
import { RegcertError } from "../pki/errors.js";
import { PromptCancelled } from "./prompts.js";
import { sanitizeForTerminal } from "../text/sanitize.js";
import { cliErrorText } from "./option-flags.js";
import { plainStdoutOutput } from "./plain-stdout.js";

// process.stderr is only touched when something is written (creating it loads node's stream modules)
export async function run(argv: string[], stderr: { write(s: string): unknown } = { write: (s) => process.stderr.write(s) }): Promise<number> {
  const program = buildProgram(argv);
  const stdout = plainStdoutOutput();
  // commander copies these settings only into subcommands created after them, and buildProgram has
  // already made every subcommand: set them on each, or a bad flag to a subcommand exits 1 via
  // process.exit with "error: …" instead of exit 2 with "regcert: …".
  const configure = (command: Command, path: string): void => {
    command.exitOverride();
    // a usage error is a user error too: its fix is the command's own help
    command.showHelpAfterError(`hint: run ${path} --help for usage`);
    command.configureOutput({
      ...stdout,
      writeErr: (s) => stderr.write(s),
      outputError: (s, write) => write(`regcert: ${s.replace(/^error: /, "")}`),
    });
    for (const sub of command.commands) configure(sub, `${path} ${sub.name()}`);
  };
  configure(program, "regcert");
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, stderr);
  }
}

export function reportError(error: unknown, stderr: { write(s: string): unknown }): number {
  if (error instanceof CommanderError) {
    // help and version exit 0; usage errors (already printed by commander) are user errors
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof PromptCancelled) return 0;
  if (error instanceof RegcertError) {
    const { message, hint } = cliErrorText(error);
    stderr.write(`regcert: ${sanitizeForTerminal(message)}\n`);
    if (hint) stderr.write(`hint: ${sanitizeForTerminal(hint)}\n`);
    if (process.env.REGCERT_DEBUG === "1" && error.stack) stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const err = error as Error;
  stderr.write(`regcert: internal error: ${sanitizeForTerminal(err?.message ?? String(error))}\n`);
  if (process.env.REGCERT_DEBUG === "1") stderr.write(`${err?.stack ?? ""}\n`);
  else stderr.write("hint: this is a bug; re-run with REGCERT_DEBUG=1 and file an issue with the output\n");
  return 1;
}
