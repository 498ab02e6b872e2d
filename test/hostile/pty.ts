/**
 * Runs the built CLI on a pseudo-terminal (through test/hostile/pty-driver.py, Python's pty module),
 * answering prompts as a person would: each step waits for a text in the output, then types a line.
 * This is how the "asked twice on a terminal" paths are tested without mocking the terminal.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BIN } from "../helpers/cli.js";
import { toolAvailable } from "../helpers/run-tool.js";

const DRIVER = fileURLToPath(new URL("./pty-driver.py", import.meta.url));

export interface PtyResult {
  code: number;
  /** everything the terminal showed (stdout and stderr together, with colour codes) */
  output: string;
  /** steps whose expected text never appeared */
  pending: number;
}

export const ptyAvailable = (): boolean => toolAvailable("python3");

/** Runs `regcert ...args` on a PTY; `script` is [text to wait for, line to type (without newline)] pairs. */
export function runCliOnPty(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; script: Array<[string, string]>; timeoutSec?: number }): PtyResult {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, TERM: "xterm" };
  delete env.CI; // CI=1 turns prompts off: this run is a person at a terminal
  delete env.NODE_OPTIONS;
  delete env.NO_COLOR;
  const spec = {
    argv: [process.execPath, BIN, ...args],
    env,
    cwd: options.cwd,
    script: options.script.map(([expect, line]) => [expect, `${line}\r`]),
    timeout: options.timeoutSec ?? 30,
  };
  const result = spawnSync("python3", [DRIVER, JSON.stringify(spec)], { encoding: "utf8", timeout: (spec.timeout + 10) * 1000 });
  if (result.status !== 0) throw new Error(`pty driver failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as PtyResult;
}
