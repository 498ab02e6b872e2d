/**
 * Private keys next to a git work tree: `regcert issue` inside a repository would leave
 * certs/registry.key as an untracked file, one `git add .` away from being published. Before writing
 * a key set into a directory inside a work tree, the CLI asks here:
 * - is the directory already tracked by git (a file under it is in the index)? Then regcert refuses
 *   without --force: the key would sit among committed files;
 * - would `*.key` there be ignored already (`git check-ignore`)? If not, a `.gitignore` in the output
 *   directory gets the line `*.key` (appended to an existing one, its owner and mode kept).
 * Found by looking for `.git` upwards (a directory, or a file in worktrees and submodules); git itself
 * answers the index and ignore questions, and when git is not installed the .gitignore is written anyway.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { FilePlanEntry } from "./write.js";

/** The work tree holding `dir` (the directory that has `.git`), or undefined. */
export function findGitWorkTree(dir: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, ".git"))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** The nearest existing directory at or above `dir`. */
function existingAncestor(dir: string): string {
  let d = resolve(dir);
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

function git(cwd: string, args: string[]): { status: number | null; stdout: string } | undefined {
  const run = spawnSync("git", args, { cwd, encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
  if (run.error) return undefined; // git not installed
  return { status: run.status, stdout: run.stdout };
}

export interface GitGuard {
  /** the work tree the output directory is in */
  workTree: string;
  /** files under the output directory that git tracks (relative to the work tree), at most a few */
  tracked: string[];
  /** the .gitignore to write so the key is ignored, or undefined when git ignores it already */
  gitignore: FilePlanEntry | undefined;
}

const LINE = "*.key";

/** What writing a key to `keyFile` inside a git work tree needs; undefined outside one. */
export function checkGitForKey(keyFile: string): GitGuard | undefined {
  const outDir = dirname(resolve(keyFile));
  const workTree = findGitWorkTree(existingAncestor(outDir));
  if (workTree === undefined) return undefined;
  const cwd = existingAncestor(outDir);
  const tracked = existsSync(outDir) ? (git(cwd, ["ls-files", "-z", "--full-name", "--", outDir])?.stdout.split("\0").filter(Boolean).slice(0, 3) ?? []) : [];
  const ignored = git(cwd, ["check-ignore", "-q", "--no-index", "--", resolve(keyFile)])?.status === 0;
  if (ignored) return { workTree, tracked, gitignore: undefined };
  const path = join(outDir, ".gitignore");
  let before = "";
  try {
    if (lstatSync(path).isFile()) before = readFileSync(path, "utf8");
  } catch {
    /* no .gitignore yet */
  }
  const contents = before === "" ? `# private keys must never be committed (written by regcert)\n${LINE}\n` : `${before}${before.endsWith("\n") ? "" : "\n"}${LINE}\n`;
  return { workTree, tracked, gitignore: { path, contents, mode: 0o644, label: "git ignore rules", keepOwner: true } };
}

/** `path` relative to the work tree, for messages. */
export const inWorkTree = (guard: GitGuard, path: string): string => relative(guard.workTree, path) || ".";
