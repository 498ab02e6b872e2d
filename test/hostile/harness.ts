/**
 * The invariants every hostile case asserts: the exit code; one `regcert:` line (plus an optional
 * `hint:`) and never a stack frame; pre-existing files unchanged byte for byte (sha256) and mode;
 * every *.key file 0600; no temp files, backups or lock directories left behind.
 */
import { readdirSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { treeState } from "../helpers/tree.js";
import type { CliResult } from "../helpers/cli.js";

const LEFTOVER = /\.regcert-(tmp|old|new)-|^\.lock$/;

/** Every path below `root` (relative), depth first. */
export function walk(root: string, rel = ""): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(root, rel));
  } catch {
    return out;
  }
  for (const name of names) {
    const path = rel ? join(rel, name) : name;
    out.push(path);
    const st = lstatSync(join(root, path));
    if (st.isDirectory() && !st.isSymbolicLink()) out.push(...walk(root, path));
  }
  return out;
}

/** Temp files, rollback backups and held locks left anywhere below `root`. */
export function leftovers(root: string): string[] {
  return walk(root).filter((p) => LEFTOVER.test(p.split("/").pop() as string));
}

/** *.key files below `root` whose mode is not 0600. */
export function looseKeys(root: string): string[] {
  return walk(root)
    .filter((p) => p.endsWith(".key") && lstatSync(join(root, p)).isFile())
    .map((p) => `${p} ${(lstatSync(join(root, p)).mode & 0o777).toString(8)}`)
    .filter((line) => !line.endsWith(" 600"));
}

/** Asserts the shape of a user-facing error: `regcert: …` once, optional `hint:`, no stack frames. */
export function expectOneLineError(result: CliResult): void {
  const lines = result.stderr.split("\n").filter((l) => l.trim() !== "");
  const errors = lines.filter((l) => l.startsWith("regcert: "));
  expect({ stderr: result.stderr, errors: errors.length }).toEqual({ stderr: result.stderr, errors: 1 });
  for (const line of lines) expect(line).toMatch(/^(regcert: |hint: |warning: |\(run regcert --help for usage\))/);
  expect(result.stderr).not.toMatch(/^\s+at .+[:(]/m);
  expect(result.stderr).not.toMatch(/internal error|Error: |node:internal/);
}

/** Snapshot helper: call before the run, then `check()` after. `allowNew` lists paths that may appear. */
export function guardTree(root: string): { before: Record<string, string>; unchanged(allowNew?: RegExp): void } {
  const before = treeState(root);
  return {
    before,
    unchanged(allowNew?: RegExp) {
      const after = treeState(root);
      for (const [path, state] of Object.entries(before)) expect({ path, state: after[path] }).toEqual({ path, state });
      const added = Object.keys(after).filter((p) => !(p in before) && !(allowNew && allowNew.test(p)));
      expect(added).toEqual([]);
    },
  };
}
