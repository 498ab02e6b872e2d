/**
 * Applies and removes trust plans (src/trust) on disk. All checks run before the first write, so a
 * refusal (symlink, foreign file, no permission) leaves the tree exactly as it was:
 * - at and below each target's guard directory (the certs.d directories regcert creates or writes)
 *   no path component may be a symlink; the fixed prefixes above may be (snap's `current`);
 * - a file with other content is replaced only when the planner owns it (its `owns` callback, e.g.
 *   src/trust's isRegcertContent) or --force;
 * - every directory to be created must be creatable (nearest existing parent writable).
 * Files are written by writeFilesAtomic (temp + fsync + link/rename). Directories regcert creates get
 * mode 0755 regardless of the umask (rootless podman and non-root users must be able to read them).
 */
import { accessSync, chmodSync, constants, lstatSync, mkdirSync, readFileSync, rmdirSync, unlinkSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { opt, phrase, RegcertError, userError } from "../pki/errors.js";
import { hostPathOf, type CurrentFile, type FileRemovalPlan, type FileTreePlan, type OwnsContent, type PlannedDirectory, type PlannedFile } from "./plan-types.js";
import { writeFilesAtomic, type FilePlan } from "./write.js";

type TrustFile = PlannedFile;
type TrustDirectory = PlannedDirectory;
type TrustPlan = FileTreePlan;

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    if (code === "EACCES") throw permissionError(path);
    throw new RegcertError("regcert.readFailed", `cannot inspect ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function permissionError(path: string): RegcertError {
  return userError("regcert.permissionDenied", `cannot write ${path}: permission denied`, phrase`re-run with sudo (sudo regcert install-trust …), or use ${opt("root", "DIR")} / ${opt("user")}`);
}

/** Reads a file under the plan's root by runtime path; undefined when absent. Never follows a final symlink for writing decisions. */
export function readCurrent(plan: Pick<TrustPlan, "root">, entry: Pick<TrustFile, "base" | "path">): CurrentFile {
  const path = hostPathOf(plan, entry);
  const stat = lstatOrNull(path);
  if (!stat || !stat.isFile()) return undefined;
  try {
    return { contents: readFileSync(path, "utf8"), mode: stat.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EACCES") throw userError("regcert.permissionDenied", `cannot read ${path}: permission denied`, "re-run with sudo");
    throw new RegcertError("regcert.readFailed", `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads files the planner merges or inspects (k3s registries.yaml, containerd config.toml) under `root`. */
export function readExistingFiles(root: string, paths: readonly string[]): Record<string, { contents: string; mode: number }> {
  const out: Record<string, { contents: string; mode: number }> = {};
  for (const path of paths) {
    const found = readCurrent({ root }, { base: "root", path });
    if (found) out[path] = found;
  }
  return out;
}

/** `exists(runtimePath)` under a root, for detectTargets / detectSystemFamily. */
export function existsUnder(root: string): (path: string) => boolean {
  return (path) => {
    try {
      lstatSync(root === "/" ? path : join(root, path));
      return true;
    } catch {
      return false;
    }
  };
}

/** Refuses (exit 2) a symlink at or below `guard` on the way to `target` (both host paths), or a non-regular file/directory at `target`. */
function checkNoSymlinks(guard: string, target: string, kind: "file" | "directory"): void {
  const guardAbs = resolve(guard);
  const targetAbs = resolve(target);
  if (targetAbs !== guardAbs && !targetAbs.startsWith(guardAbs.endsWith(sep) ? guardAbs : guardAbs + sep)) {
    throw new RegcertError("regcert.internal", `${targetAbs} is outside its guard ${guardAbs}`);
  }
  const parts = targetAbs === guardAbs ? [] : targetAbs.slice(guardAbs.length + 1).split(sep);
  let current = guardAbs;
  const check = (path: string, last: boolean) => {
    const stat = lstatOrNull(path);
    if (!stat) return false;
    if (stat.isSymbolicLink()) {
      throw userError("regcert.symlinkRefused", `${path} is a symbolic link; regcert does not write trust files through links`, "replace the link with a real directory (or file), or remove it, and re-run");
    }
    if (last && kind === "file" ? !stat.isFile() : !stat.isDirectory()) {
      throw userError("regcert.notRegular", `${path} exists and is not a ${last && kind === "file" ? "regular file" : "directory"}`, "move it away and re-run");
    }
    return true;
  };
  if (!check(current, parts.length === 0)) return;
  for (let i = 0; i < parts.length; i++) {
    current = join(current, parts[i] as string);
    if (!check(current, i === parts.length - 1)) return;
  }
}

const isUnder = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

/**
 * Checks, before anything is written: required directories exist (microk8s, the system store), and no
 * symlink at or below any guard (certs.d) on the way to a planned file or directory. Directories above
 * a guard (the runtime's own /etc/docker) may be links.
 */
export function checkTrustPaths(plan: TrustPlan): void {
  for (const req of plan.requires) {
    const stat = lstatOrNull(hostPathOf(plan, req));
    if (!stat) throw userError("regcert.targetMissing", `${req.message}${plan.root === "/" ? "" : ` under ${plan.root}`}`, req.hint);
  }
  for (const file of plan.files) checkNoSymlinks(hostPathOf(plan, { base: file.base, path: file.guard }), hostPathOf(plan, file), "file");
  for (const dir of plan.directories) {
    const guard = plan.files.find((f) => f.target === dir.target && f.base === dir.base && isUnder(dir.path, f.guard))?.guard;
    if (guard !== undefined) checkNoSymlinks(hostPathOf(plan, { base: dir.base, path: guard }), hostPathOf(plan, dir), "directory");
  }
}

/** What apply found for one planned file. */
export type FileState = "create" | "unchanged" | "replace" | "conflict";

export interface FileStatus<F extends PlannedFile = PlannedFile> {
  file: F;
  /** host path */
  path: string;
  state: FileState;
}

/** Compares the plan with the disk: which files are new, identical, regcert's (replaceable) or foreign. */
export function inspectTrustPlan<F extends PlannedFile>(plan: FileTreePlan<F>, owns: OwnsContent<F>): FileStatus<F>[] {
  const read = (path: string) => readCurrent(plan, { base: "root", path })?.contents;
  return plan.files.map((file) => {
    const path = hostPathOf(plan, file);
    const found = readCurrent(plan, file);
    if (!found) {
      if (lstatOrNull(path)) throw userError("regcert.notRegular", `${path} exists and is not a regular file`, "move it away and re-run");
      return { file, path, state: "create" };
    }
    if (found.contents === file.contents && found.mode === file.mode) return { file, path, state: "unchanged" };
    if (file.ownership === "merge") return { file, path, state: "replace" };
    const sibling = (p: string) => (file.base === "user" ? readCurrent(plan, { base: "user", path: p })?.contents : read(p));
    return { file, path, state: owns(file, found.contents, sibling) ? "replace" : "conflict" };
  });
}

function nearestExisting(path: string): string {
  let current = path;
  while (!lstatOrNull(current)) {
    const parent = dirname(current);
    if (parent === current) return current;
    current = parent;
  }
  return current;
}

function checkWritable(paths: readonly string[]): void {
  for (const path of paths) {
    const existing = nearestExisting(path);
    try {
      accessSync(existing, constants.W_OK);
    } catch {
      throw permissionError(path);
    }
  }
}

export interface ApplyOptions<F extends PlannedFile = PlannedFile> {
  /** whether content found at a planned place is the planner's own (replaceable without --force) */
  owns: OwnsContent<F>;
  /** replace files with foreign content (otherwise exit 2, nothing written) */
  force?: boolean;
}

export interface ApplyResult<F extends PlannedFile = PlannedFile> {
  statuses: FileStatus<F>[];
  /** host paths of files written (new or replaced) */
  written: string[];
  /** host paths of directories created */
  createdDirectories: string[];
}

/** Applies a plan: all checks first, then directories, then files (atomic, all-or-nothing where possible). */
export function applyTrustPlan<F extends PlannedFile>(plan: FileTreePlan<F>, options: ApplyOptions<F>): ApplyResult<F> {
  checkTrustPaths(plan);
  const statuses = inspectTrustPlan(plan, options.owns);
  const conflicts = statuses.filter((s) => s.state === "conflict");
  if (conflicts.length > 0 && !options.force) {
    throw userError(
      "regcert.foreignTrustFile",
      `${conflicts.map((c) => c.path).join(", ")} already exist${conflicts.length === 1 ? "s" : ""} with content regcert did not write; not replacing`,
      phrase`look at the file(s); re-run with ${opt("force", true)} to replace them`,
    );
  }
  const todo = statuses.filter((s) => s.state !== "unchanged");
  const wantedDirs = new Map<string, TrustDirectory | undefined>();
  for (const dir of plan.directories) wantedDirs.set(hostPathOf(plan, dir), dir);
  for (const s of todo) if (!wantedDirs.has(dirname(s.path))) wantedDirs.set(dirname(s.path), undefined);
  const missing = [...wantedDirs.keys()].filter((d) => !lstatOrNull(d));
  checkWritable([...missing, ...todo.map((s) => s.path)]);
  if (todo.length === 0) return { statuses, written: [], createdDirectories: [] };

  const created: string[] = [];
  try {
    for (const dir of [...wantedDirs.keys()].sort((a, b) => a.length - b.length)) {
      const chain: string[] = [];
      for (let d = dir; !lstatOrNull(d); d = dirname(d)) chain.unshift(d);
      for (const d of chain) {
        try {
          mkdirSync(d, { mode: 0o755 });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "EACCES" || code === "EPERM" || code === "EROFS") throw permissionError(d);
          if (code !== "EEXIST") throw new RegcertError("regcert.writeFailed", `failed to create directory ${d}: ${(error as Error).message}`, { cause: error });
          continue;
        }
        chmodSync(d, wantedDirs.get(d)?.mode ?? 0o755);
        created.push(d);
      }
    }
    checkTrustPaths(plan);
    // a file regcert did not create (k3s registries.yaml merged) keeps its owner, group and mode
    const filePlan: FilePlan = todo.map((s) => ({ path: s.path, contents: s.file.contents, mode: s.file.mode, label: s.file.role, keepOwner: s.file.ownership === "merge" }));
    const replacing = todo.some((s) => s.state !== "create");
    writeFilesAtomic(filePlan, { force: replacing });
  } catch (error) {
    for (const d of [...created].reverse()) {
      try {
        rmdirSync(d);
      } catch {
        /* not empty or gone: leave it */
      }
    }
    throw error;
  }
  return { statuses, written: todo.map((s) => s.path), createdDirectories: created };
}

export interface RemoveResult {
  removed: string[];
  rewritten: string[];
  removedDirectories: string[];
  /** host paths left alone, with the reason */
  kept: Array<{ path: string; reason: string }>;
}

/** Carries out a RemovalPlan (from planTrustRemoval): deletes, rewrites merged files, removes empty directories. */
export function applyTrustRemoval(plan: TrustPlan, removal: FileRemovalPlan): RemoveResult {
  for (const file of [...removal.remove, ...removal.rewrite]) checkNoSymlinks(hostPathOf(plan, { base: file.base, path: file.guard }), hostPathOf(plan, file), "file");
  checkWritable([...removal.remove, ...removal.rewrite].map((f) => dirname(hostPathOf(plan, f))));
  const removed: string[] = [];
  for (const file of removal.remove) {
    const path = hostPathOf(plan, file);
    try {
      unlinkSync(path);
      removed.push(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue;
      if (code === "EACCES" || code === "EPERM" || code === "EROFS") throw permissionError(path);
      throw new RegcertError("regcert.writeFailed", `failed to remove ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  const rewritten: string[] = [];
  if (removal.rewrite.length > 0) {
    writeFilesAtomic(
      removal.rewrite.map((f) => ({ path: hostPathOf(plan, f), contents: f.contents, mode: f.mode })),
      { force: true },
    );
    rewritten.push(...removal.rewrite.map((f) => hostPathOf(plan, f)));
  }
  const removedDirectories: string[] = [];
  for (const dir of removal.directories) {
    const path = hostPathOf(plan, dir);
    const stat = lstatOrNull(path);
    if (!stat || !stat.isDirectory()) continue;
    try {
      rmdirSync(path);
      removedDirectories.push(path);
    } catch {
      /* not empty (foreign files) or not ours to remove */
    }
  }
  return { removed, rewritten, removedDirectories, kept: removal.keep.map((k) => ({ path: hostPathOf(plan, k.file), reason: k.reason })) };
}
