/**
 * Runs the built CLI (dist/cli/main.js, or $REGCERT_DIST/cli/main.js) as a user would, in a temp dir,
 * with its own CA home. Never touches the real home or /etc.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(new URL("../..", import.meta.url).pathname);
export const BIN = process.env.REGCERT_BIN ?? join(REPO, process.env.REGCERT_DIST || "dist", "cli", "main.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
}

/** Runs `regcert ...args`; resolves with exit code and output (never rejects on a non-zero exit). */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CI: "1", ...options.env };
    delete env.NODE_OPTIONS; // jest's --experimental-vm-modules must not leak into the CLI
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? process.cwd(), env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** A fresh temp dir with a CA home inside (REGCERT_HOME), removed by cleanup(). */
export function tempWorkspace(prefix = "regcert-test-"): { dir: string; home: string; env: NodeJS.ProcessEnv; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const home = join(dir, "home");
  return { dir, home, env: { REGCERT_HOME: home, HOME: dir }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
