/**
 * Runs the built CLI (dist/cli/main.js, or $REGCERT_DIST/cli/main.js) as a user would, in a temp dir,
 * with its own CA home. Never touches the real home or /etc.
 */
import { spawn } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
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

/**
 * A copy of the built CLI that any user can read, for tests that run it as another user (nobody): the
 * checkout itself may sit in a 0700 directory (a clone under `mktemp -d`, run by root), where nobody
 * cannot even reach dist/. The copy (package.json, dist/, templates/) lives in a 0755 temp dir that
 * the caller removes with the returned cleanup.
 */
export function worldReadableCli(): { bin: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "regcert-cli-copy-"));
  chmodSync(dir, 0o755);
  const dist = resolve(BIN, "..", "..");
  cpSync(join(REPO, "package.json"), join(dir, "package.json"));
  cpSync(dist, join(dir, "dist"), { recursive: true });
  cpSync(join(REPO, "templates"), join(dir, "templates"), { recursive: true });
  const open = (path: string): void => {
    const stat = statSync(path);
    chmodSync(path, stat.isDirectory() || (stat.mode & 0o100) !== 0 ? 0o755 : 0o644);
    if (stat.isDirectory()) for (const name of readdirSync(path)) open(join(path, name));
  };
  open(dir);
  return { bin: join(dir, "dist", "cli", "main.js"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
