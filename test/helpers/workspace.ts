/**
 * Temp directories for tests, in one place: made under the OS temp dir with a recognisable prefix,
 * removed after the suite or the test. (tempWorkspace, with a CA home inside, is the CLI tests' form.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, tempWorkspace, type CliResult } from "./cli.js";

export { tempWorkspace } from "./cli.js";

/** A new temp dir (the caller removes it, e.g. with removeTempDir in afterEach). */
export function makeTempDir(prefix = "regcert-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A temp dir for the whole suite: made now, removed in afterAll. */
export function suiteTempDir(prefix = "regcert-test-"): string {
  const dir = makeTempDir(prefix);
  afterAll(() => removeTempDir(dir));
  return dir;
}

export type Workspace = ReturnType<typeof tempWorkspace>;

/** A suite's workspaces: each call makes one; cleanup() removes every one made. */
export interface WorkspacePool {
  (prefix?: string): Workspace;
  cleanup(): void;
}

/**
 * Workspaces (tempWorkspace) for one suite, removed in afterAll; a suite whose servers use them
 * passes `{ cleanupAfterAll: false }` and calls cleanup() itself after stopping those servers.
 */
export function workspacePool(prefix = "regcert-test-", options: { cleanupAfterAll?: boolean } = {}): WorkspacePool {
  const made: Workspace[] = [];
  const pool = ((p = prefix) => {
    const ws = tempWorkspace(p);
    made.push(ws);
    return ws;
  }) as WorkspacePool;
  pool.cleanup = () => {
    for (const ws of made.splice(0)) ws.cleanup();
  };
  if (options.cleanupAfterAll !== false) afterAll(() => pool.cleanup());
  return pool;
}

export interface InWorkspaceOptions {
  /** extra environment over the workspace's (REGCERT_HOME, HOME) */
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
}

/** `regcert ...args` in the workspace (its dir as cwd, its home); never rejects on a non-zero exit. */
export function cliIn(ws: Workspace, args: string[], options: InWorkspaceOptions = {}): Promise<CliResult> {
  return runCli(args, { cwd: ws.dir, env: { ...ws.env, ...options.env }, ...(options.input === undefined ? {} : { input: options.input }) });
}

/** cliIn that must succeed: a non-zero exit throws with the command's output. */
export async function okIn(ws: Workspace, args: string[], options: InWorkspaceOptions = {}): Promise<CliResult> {
  const result = await cliIn(ws, args, options);
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}
