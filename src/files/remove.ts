/**
 * Removing what regcert wrote, and only that: a file is removed when its contents are still exactly
 * what regcert wrote (a file the user edited is kept and reported); then the directories given are
 * removed if they are empty.
 */
import { lstatSync, readFileSync, rmdirSync, unlinkSync } from "node:fs";
import { fsErrorFor } from "./remove-errors.js";

export interface RemoveResult {
  removed: string[];
  /** files that differ from what regcert wrote: left in place */
  kept: string[];
  missing: string[];
}

export function removeFilesIfUnchanged(files: Array<{ path: string; contents: string }>, dirs: string[] = []): RemoveResult {
  const result: RemoveResult = { removed: [], kept: [], missing: [] };
  for (const file of files) {
    let current: string;
    try {
      if (lstatSync(file.path).isSymbolicLink()) {
        result.kept.push(file.path);
        continue;
      }
      current = readFileSync(file.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        result.missing.push(file.path);
        continue;
      }
      throw fsErrorFor("read", file.path, error);
    }
    if (current !== file.contents) {
      result.kept.push(file.path);
      continue;
    }
    try {
      unlinkSync(file.path);
      result.removed.push(file.path);
    } catch (error) {
      throw fsErrorFor("remove", file.path, error);
    }
  }
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch {
      /* not empty, or already gone: leave it */
    }
  }
  return result;
}
