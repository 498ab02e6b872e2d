/**
 * The only code that writes files. Every file goes to a temp file in its target directory (created
 * exclusively, mode fixed on the open descriptor before any byte is written, so a key is 0600 whatever
 * the umask), is fsynced, then published: with `link` when nothing may be replaced (atomic
 * no-clobber: of two concurrent runs exactly one wins), with `rename` under --force. A set of files is
 * published all-or-nothing: if one fails, the ones this call already published are removed again.
 * A crash or Ctrl-C leaves the old file or the new one, never half of one, and no temp files.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fchmodSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { RegcertError, userError } from "../pki/errors.js";

export interface FilePlanEntry {
  path: string;
  contents: string | Uint8Array;
  /** e.g. 0o600 for keys, 0o644 for certificates */
  mode: number;
  /** what the file is, for messages ("private key", "certificate") */
  label?: string;
}

export type FilePlan = FilePlanEntry[];

export interface WriteOptions {
  /** replace existing files with different contents (otherwise: exit 2, nothing written) */
  force?: boolean;
  /** mode for directories this call creates; default 0o755 */
  dirMode?: number;
}

export interface WriteResult {
  written: string[];
  /** files that already had exactly these contents */
  unchanged: string[];
}

const pending = new Set<string>();

/** Removes temp files of writes still in progress; called from SIGINT/SIGTERM handlers. */
export function cleanupPendingTemps(): void {
  for (const path of pending) {
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
  pending.clear();
}

function fsError(action: string, path: string, error: unknown): RegcertError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return userError("regcert.permissionDenied", `cannot ${action} ${path}: permission denied`, code === "EROFS" ? "the file system is read-only" : "re-run with sudo, or choose a directory you own");
  }
  return new RegcertError("regcert.writeFailed", `failed to ${action} ${path}: ${(error as Error).message}`, { cause: error });
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw fsError("inspect", path, error);
  }
}

/**
 * Creates `dir` and missing parents. Refuses when `dir` or any directory created under `guardFrom`
 * is a symlink: a link planted there could send a key anywhere.
 */
export function ensureDirectory(dir: string, mode = 0o755, guardFrom?: string): void {
  const target = resolve(dir);
  const stat = lstatOrNull(target);
  if (stat?.isSymbolicLink()) {
    throw userError("regcert.symlinkRefused", `${target} is a symbolic link; regcert does not write through links`, "point --out at a real directory");
  }
  if (stat && !stat.isDirectory()) throw userError("regcert.notDirectory", `${target} exists and is not a directory`);
  if (!stat) {
    ensureDirectory(dirname(target), 0o755, guardFrom);
    try {
      mkdirSync(target, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw fsError("create directory", target, error);
    }
  }
  if (guardFrom && target.startsWith(resolve(guardFrom))) {
    const again = lstatOrNull(target);
    if (again?.isSymbolicLink()) throw userError("regcert.symlinkRefused", `${target} is a symbolic link; regcert does not write through links`);
  }
}

function sameContents(path: string, contents: Buffer): boolean {
  try {
    return readFileSync(path).equals(contents);
  } catch {
    return false;
  }
}

function writeTemp(entry: FilePlanEntry, data: Buffer): string {
  const dir = dirname(entry.path);
  const temp = join(dir, `.${basename(entry.path)}.regcert-tmp-${randomBytes(6).toString("hex")}`);
  let fd: number;
  try {
    fd = openSync(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0), entry.mode);
  } catch (error) {
    throw fsError("write", entry.path, error);
  }
  pending.add(temp);
  try {
    fchmodSync(fd, entry.mode);
    for (let offset = 0; offset < data.length; ) offset += writeSync(fd, data, offset);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    throw fsError("write", entry.path, error);
  }
  closeSync(fd);
  return temp;
}

function fsyncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some file systems cannot fsync a directory; the rename is still atomic */
  }
}

/** Checks, without writing, which entries would be refused because they exist with other contents. */
export function findConflicts(plan: FilePlan): string[] {
  return plan.filter((e) => lstatOrNull(e.path) !== null && !sameContents(e.path, toBuffer(e.contents))).map((e) => e.path);
}

const toBuffer = (contents: string | Uint8Array): Buffer => (typeof contents === "string" ? Buffer.from(contents, "utf8") : Buffer.from(contents));

/** The refusal for files that exist, with the --force hint. */
export function fileExistsError(paths: string[]): RegcertError {
  const list = paths.join(", ");
  return userError("regcert.fileExists", `${list} already exist${paths.length === 1 ? "s" : ""}; regcert never replaces files without --force`, "re-run with --force to replace (an old key is then gone), or choose another --name/--out");
}

/** Writes a set of files atomically and all-or-nothing. */
export function writeFilesAtomic(plan: FilePlan, options: WriteOptions = {}): WriteResult {
  const entries = plan.map((e) => ({ ...e, path: resolve(e.path), data: toBuffer(e.contents) }));
  const unchanged: string[] = [];
  const todo: typeof entries = [];
  const conflicts: string[] = [];
  for (const entry of entries) {
    ensureDirectory(dirname(entry.path), options.dirMode ?? 0o755);
    const stat = lstatOrNull(entry.path);
    if (stat?.isSymbolicLink()) throw userError("regcert.symlinkRefused", `${entry.path} is a symbolic link; regcert does not write through links`, "remove the link and re-run");
    if (stat && !stat.isFile()) throw userError("regcert.notFile", `${entry.path} exists and is not a regular file`);
    if (stat && sameContents(entry.path, entry.data) && (stat.mode & 0o777) === entry.mode) unchanged.push(entry.path);
    else if (stat && !options.force) conflicts.push(entry.path);
    else todo.push(entry);
  }
  if (conflicts.length > 0) throw fileExistsError(conflicts);

  const temps: string[] = [];
  const published: string[] = [];
  try {
    for (const entry of todo) temps.push(writeTemp(entry, entry.data));
    todo.forEach((entry, i) => {
      const temp = temps[i] as string;
      if (options.force) {
        renameSync(temp, entry.path);
      } else {
        try {
          linkSync(temp, entry.path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "EEXIST") throw fileExistsError([entry.path]);
          throw fsError("write", entry.path, error);
        }
        unlinkSync(temp);
      }
      pending.delete(temp);
      published.push(entry.path);
    });
  } catch (error) {
    if (!options.force) for (const path of published) tryUnlink(path);
    for (const temp of temps) {
      tryUnlink(temp);
      pending.delete(temp);
    }
    throw error instanceof RegcertError ? error : fsError("write", todo[published.length]?.path ?? "files", error);
  }
  for (const dir of new Set(todo.map((e) => dirname(e.path)))) fsyncDirectory(dir);
  return { written: published, unchanged };
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* best effort */
  }
}
