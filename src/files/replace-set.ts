/**
 * Replacing a set of files that only work together (a key and its certificate; a CA key and its
 * certificate) as one unit. writeFilesAtomic with force makes each file atomic, but if the third of
 * five renames failed, a registry would restart with a new key and the old certificate. Here:
 *
 *   1. the whole new set is written to temp files beside the targets (fsynced): nothing is touched
 *      until every new file exists;
 *   2. each existing target gets a hard-linked backup (same inode: the old bytes, no copy);
 *   3. the temp files are renamed over the targets; if any rename fails, the ones already published
 *      are put back from their backups (or removed when there was none), so the old set stays intact;
 *   4. backups are removed.
 *
 * Everything here is synchronous, so Ctrl-C (handled on the event loop) cannot land between two
 * renames. Only a power cut or SIGKILL during step 3 can leave `.NAME.regcert-old-*` backups beside a
 * mixed set; they hold the previous files byte for byte (rename them back to recover).
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fsyncSync, linkSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { RegcertError, userError } from "../pki/errors.js";
import { ensureDirectory, writeFilesAtomic, type FilePlan, type WriteResult } from "./write.js";

export interface ReplaceOptions {
  /** mode for directories this call creates; default 0o755 */
  dirMode?: number;
  /**
   * Test seam: called just before the i-th changed file is published; throwing simulates a failure
   * midway (disk error, Ctrl-C) to prove the old set survives.
   */
  beforePublish?: (path: string, index: number) => void;
}

const sibling = (path: string, tag: string) => join(dirname(path), `.${basename(path)}.regcert-${tag}-${randomBytes(6).toString("hex")}`);

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* best effort */
  }
}

function statOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function unchanged(path: string, contents: string | Uint8Array, mode: number): boolean {
  try {
    const data = typeof contents === "string" ? Buffer.from(contents, "utf8") : Buffer.from(contents);
    return readFileSync(path).equals(data) && (lstatSync(path).mode & 0o777) === mode;
  } catch {
    return false;
  }
}

/** Replaces every file of `plan` together, or none of them (see the module comment). */
export function replaceFileSet(plan: FilePlan, options: ReplaceOptions = {}): WriteResult {
  const entries = plan.map((e) => ({ ...e, path: resolve(e.path) }));
  for (const entry of entries) {
    ensureDirectory(dirname(entry.path), options.dirMode ?? 0o755);
    const stat = statOrNull(entry.path);
    if (stat?.isSymbolicLink()) throw userError("regcert.symlinkRefused", `${entry.path} is a symbolic link; regcert does not write through links`, "remove the link and re-run");
    if (stat && !stat.isFile()) throw userError("regcert.notFile", `${entry.path} exists and is not a regular file`);
  }
  const todo = entries.filter((e) => !unchanged(e.path, e.contents, e.mode));
  const same = entries.filter((e) => !todo.includes(e)).map((e) => e.path);

  // 1. the complete new set, under temp names (writeFilesAtomic cleans up after itself on failure)
  const staged = todo.map((e) => ({ ...e, target: e.path, path: sibling(e.path, "new") }));
  writeFilesAtomic(staged, { dirMode: options.dirMode ?? 0o755 });

  const backups = new Map<string, string>();
  const published: string[] = [];
  try {
    // 2. backups of what is there now
    for (const entry of todo) {
      if (statOrNull(entry.path) === null) continue;
      const backup = sibling(entry.path, "old");
      linkSync(entry.path, backup);
      backups.set(entry.path, backup);
    }
    // 3. publish
    staged.forEach((entry, i) => {
      options.beforePublish?.(entry.target, i);
      renameSync(entry.path, entry.target);
      published.push(entry.target);
    });
  } catch (error) {
    for (const target of published.reverse()) {
      const backup = backups.get(target);
      try {
        if (backup) renameSync(backup, target);
        else unlinkSync(target);
      } catch {
        /* leave the backup in place: it still holds the old bytes */
      }
    }
    for (const entry of staged) tryUnlink(entry.path);
    for (const backup of backups.values()) tryUnlink(backup);
    if (error instanceof RegcertError) throw error;
    const failed = staged[published.length]?.target ?? "files";
    throw new RegcertError("regcert.writeFailed", `failed to replace ${failed}: ${(error as Error).message}; the previous files were kept`, { cause: error });
  }
  // 4. done: drop the backups
  for (const backup of backups.values()) tryUnlink(backup);
  for (const dir of new Set(todo.map((e) => dirname(e.path)))) {
    try {
      const fd = openSync(dir, constants.O_RDONLY);
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      /* some file systems cannot fsync a directory */
    }
  }
  return { written: published, unchanged: same };
}
