/**
 * Snapshot of a directory tree (relative path → mode + sha256), for "nothing changed" assertions:
 * `expect(treeState(dir)).toEqual(before)` shows exactly which file appeared, vanished or changed.
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";

/** Relative path → "dir 0700" | "file 0600 <sha256>" | "link -> target". Empty object if `root` is missing. */
export function treeState(root: string): Record<string, string> {
  const state: Record<string, string> = {};
  if (!existsSync(root)) return state;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path);
      const st = lstatSync(path);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
      if (st.isSymbolicLink()) state[rel] = `link -> ${readlinkSync(path)}`;
      else if (st.isDirectory()) {
        state[rel] = `dir ${mode}`;
        walk(path);
      } else state[rel] = `file ${mode} ${sha256File(path)}`;
    }
  };
  walk(root);
  return state;
}

/** Hex sha256 of a file's bytes. */
export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** File mode bits (e.g. 0o600) of `path`. */
export function modeOf(path: string): number {
  return lstatSync(path).mode & 0o7777;
}
