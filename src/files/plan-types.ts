/**
 * Generic file-plan types: what a planner (src/trust, and any other area that plans files under a
 * root) hands to the applier in src/files. Data only: paths, contents, modes, who owns a file. The
 * applier knows nothing about targets; whether found content is the planner's own is asked through
 * an `owns` callback, so src/files never imports a planner.
 */
import { posix } from "node:path";

/** One file a plan writes. */
export interface PlannedFile {
  /** who planned it (a trust target name, for example) */
  target: string;
  /** where `path` lives: under the plan's root ("root"), or in the user's home ("user") */
  base: "root" | "user";
  /** the absolute POSIX path as the consumer on the target system sees it; for base "root" written at ROOT + path */
  path: string;
  /** exact bytes to write (UTF-8 text) */
  contents: string;
  /** file mode */
  mode: number;
  /** what the file is for (free text for the applier; planners narrow it) */
  role: string;
  /**
   * "whole": the planner owns the whole file (uninstall deletes it when its content is the planner's).
   * "merge": `contents` is an existing file with the planner's entries merged in; uninstall removes only those.
   */
  ownership: "whole" | "merge";
  /** absolute path of the directory at and below which a symlink is refused */
  guard: string;
  /** the registry directory name this file serves, when per-registry */
  registry?: string;
  /** other contents that also count as the planner's on uninstall */
  alternatives?: string[];
}

/** A directory created when missing and removed on uninstall when empty. */
export interface PlannedDirectory {
  target: string;
  base: "root" | "user";
  path: string;
  mode: number;
}

/** A directory that must already exist; checked before anything is written. */
export interface PlannedRequirement {
  target: string;
  base: "root" | "user";
  path: string;
  message: string;
  hint: string;
}

/** What the applier needs of a plan. */
export interface FileTreePlan<F extends PlannedFile = PlannedFile, D extends PlannedDirectory = PlannedDirectory> {
  /** absolute path the system paths are under ("/" for the real system) */
  root: string;
  files: F[];
  directories: D[];
  requires: PlannedRequirement[];
}

/** Current state of a file, as the applier read it. */
export type CurrentFile = { contents: string; mode: number } | undefined;

/**
 * Whether `current` (found at the place of `file`) is the planner's own content, so it may be
 * replaced or removed. `sibling(path)` reads another file of the same base (a client.cert beside a key).
 */
export type OwnsContent<F extends PlannedFile = PlannedFile> = (file: F, current: string, sibling: (path: string) => string | undefined) => boolean;

/** Where a planned file or directory is on this machine: ROOT + path for system paths, the path itself for base "user". */
export function hostPathOf(plan: Pick<FileTreePlan, "root">, entry: Pick<PlannedFile, "base" | "path">): string {
  if (entry.base === "user" || plan.root === "/") return entry.path;
  return posix.join(plan.root, entry.path);
}

/** What an uninstall does, as data. */
export interface FileRemovalPlan<F extends PlannedFile = PlannedFile, D extends PlannedDirectory = PlannedDirectory> {
  /** files to delete: their current content is the planner's */
  remove: F[];
  /** merged files rewritten without the planner's entries (contents = the new text) */
  rewrite: F[];
  /** files found at planned places whose content is not the planner's: left alone */
  keep: Array<{ file: F; reason: string }>;
  /** directories to remove if empty afterwards, deepest first */
  directories: D[];
}
