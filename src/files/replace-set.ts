/**
 * Replacing a set of files that only work together (a key and its certificate; a CA key and its
 * certificate) as one unit, for renew and ca rotate. writeFilesAtomic with force does the work:
 *
 *   1. the whole new set is written to temp files beside the targets (fsynced): nothing is touched
 *      until every new file exists;
 *   2. each existing target gets a hard-linked backup (same inode: the old bytes, no copy) just
 *      before the temp file is renamed over it;
 *   3. if any rename fails, the files already published are put back from their backups (or removed
 *      when there was none), so the old set stays intact; otherwise the backups are removed.
 *
 * Everything is synchronous, so Ctrl-C (handled on the event loop) cannot land between two renames.
 * Only a power cut or SIGKILL during step 2 can leave a `.NAME.regcert-old-*` backup beside a mixed
 * set; it holds the previous file byte for byte (rename it back to recover).
 */
import { writeFilesAtomic, type FilePlan, type WriteResult } from "./write.js";

export interface ReplaceOptions {
  /** mode for directories this call creates; default 0o755 */
  dirMode?: number;
  /**
   * Test seam: called just before the i-th changed file is published; throwing simulates a failure
   * midway (disk error, crash) to prove the old set survives.
   */
  beforePublish?: (path: string, index: number) => void;
}

/** Replaces every file of `plan` together, or none of them (see the module comment). */
export function replaceFileSet(plan: FilePlan, options: ReplaceOptions = {}): WriteResult {
  return writeFilesAtomic(plan, {
    force: true,
    dirMode: options.dirMode ?? 0o755,
    ...(options.beforePublish ? { beforePublish: options.beforePublish } : {}),
  });
}
