/**
 * Runs an external program (openssl, certtool, skopeo, …) and collects its output. Never throws on a
 * non-zero exit: tests assert on `code`, `stdout` and `stderr`. A missing program gives code 127.
 */
import { spawn } from "node:child_process";
import { spawnSync } from "node:child_process";

/** What a finished external program did. `code` is 127 when it could not be started, 124 on timeout. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The command line, for failure messages. */
  command: string;
}

/** Options for runTool. */
export interface RunToolOptions {
  cwd?: string;
  /** Replaces the whole environment when `replaceEnv` is true, else is merged over process.env. */
  env?: NodeJS.ProcessEnv;
  replaceEnv?: boolean;
  input?: string | Buffer;
  /** Killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
}

/** Runs `command ...args` and resolves with its exit code and output (never rejects). */
export function runTool(command: string, args: readonly string[], options: RunToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolvePromise) => {
    const env = options.replaceEnv ? { ...options.env } : { ...process.env, ...options.env };
    const commandLine = [command, ...args].join(" ");
    const child = spawn(command, [...args], { cwd: options.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 60_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolvePromise({ code: 127, stdout, stderr: stderr + String(err), command: commandLine });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const finalCode = timedOut ? 124 : (code ?? (signal ? 128 : 1));
      resolvePromise({ code: finalCode, stdout, stderr: timedOut ? `${stderr}\n[timed out]` : stderr, command: commandLine });
    });
    child.stdin.on("error", () => undefined); // the program may exit before reading its input
    child.stdin.end(options.input ?? "");
  });
}

/** True when `command` can be found on PATH (checked with `sh -c 'command -v …'`). */
export function toolAvailable(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${JSON.stringify(command)}`], { stdio: "ignore" }).status === 0;
}

/**
 * The describe of a suite that needs these commands: under CI a missing one fails the run (a suite
 * that skips there proves nothing), elsewhere the suite is skipped.
 */
export function describeWithTools(what: string, tools: readonly string[]): jest.Describe {
  const missing = tools.filter((t) => !toolAvailable(t));
  if (missing.length > 0 && process.env.CI) throw new Error(`${what} needs ${missing.join(", ")} (add them to .ci/run's PACKAGES)`);
  return missing.length > 0 ? describe.skip : describe;
}
