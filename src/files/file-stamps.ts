/**
 * A cache that lets `status` skip reading files it has already checked: per index entry (by serial)
 * and file role, the stat identity of the file when its contents last matched the entry.
 *
 *   HOME/index.stamps.json   { version: 1, stamps: { SERIAL: { certificate: "size:mtimeMs:ctimeMs:ino", … } } }
 *
 * A stamp says "this file, with exactly this size, mtime, ctime and inode, held what the index
 * recorded". A file whose stat differs in any of them is read and checked again (and its facts read
 * from it). ctime cannot be set by a user (utimes sets it to now), so a file rewritten in place with
 * the same size and its old mtime put back is still caught; a file replaced by rename has a new inode.
 *
 * Like git's index, a stamp is only trusted when the file had been quiet for a while when it was
 * taken ("racily clean" otherwise): a write in the same timestamp tick as the one before the stamp
 * would leave mtime and ctime unchanged. QUIET_MS covers filesystems with 2-second timestamps (FAT)
 * twice over; a file younger than that is checked by content and stamped by a later run.
 *
 * It is only a cache: missing, damaged or from another version, it is ignored (everything is read),
 * and deleting it is always safe. Entries the index no longer lists as current are dropped on save.
 */
import type { Stats } from "node:fs";
import { join } from "node:path";
import { readUtf8 } from "./read-text.js";
import { writeFilesAtomic } from "./write.js";

export const STAMPS_VERSION = 1;
export const stampsPath = (home: string) => join(home, "index.stamps.json");

/** How long a file must have been unchanged (by mtime and ctime) before a stamp of it is trusted. */
export const QUIET_MS = 4_000;

/** "size:mtimeMs:ctimeMs:ino" (a string: 30,000 of them parse and compare faster than arrays of numbers) */
export type FileStamp = string;
type EntryStamps = Record<string, FileStamp>;

export interface StampCache {
  /** what the cache file held */
  readonly before: ReadonlyMap<string, EntryStamps>;
  /** what this run confirmed: hits carried over and new stamps */
  readonly after: Map<string, EntryStamps>;
  /** the wall clock (ms) that decides whether a file is quiet: Date.now() unless a test injects one */
  readonly nowMs: number;
  /** a stamp was added or replaced in this run */
  added: number;
  /** the cache file exists but could not be used (damaged, another version): saving replaces it */
  damaged: boolean;
}

export const stampOf = (stat: Stats): FileStamp => `${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}`;

/**
 * Reads the cache; anything unreadable reads as empty (a cache miss costs time, never correctness).
 * The entries are taken as JSON.parse made them, not copied or checked one by one (10,000 entries
 * of 3 stamps each): a value that is not a stamp string never matches (stampMatches), and
 * stampCacheChanged sees such an entry as damage, so the next save drops it.
 */
export function readStampCache(home: string, nowMs = Date.now()): StampCache {
  let text: string;
  try {
    text = readUtf8(stampsPath(home));
  } catch {
    return { before: new Map(), after: new Map(), nowMs, added: 0, damaged: false }; // none yet (every home before this cache)
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; stamps?: unknown };
    if (parsed.version === STAMPS_VERSION && typeof parsed.stamps === "object" && parsed.stamps !== null && !Array.isArray(parsed.stamps)) {
      return { before: new Map(Object.entries(parsed.stamps as Record<string, EntryStamps>)), after: new Map(), nowMs, added: 0, damaged: false };
    }
  } catch {
    /* damaged */
  }
  return { before: new Map(), after: new Map(), nowMs, added: 0, damaged: true };
}

/** Whether the file's stat equals the stamp this cache holds for (serial, role); a hit is kept for the next save. */
export function stampMatches(cache: StampCache, serial: string, role: string, stat: Stats): boolean {
  const roles = cache.before.get(serial);
  const stamp: unknown = typeof roles === "object" && roles !== null ? roles[role] : undefined;
  if (typeof stamp !== "string") return false;
  if (stamp !== stampOf(stat)) return false;
  keep(cache, serial, role, stamp);
  return true;
}

/**
 * Remembers that the file (as `stat` saw it, taken BEFORE its contents were read and checked) holds
 * what the entry recorded. Not stamped while the file is younger than QUIET_MS.
 */
export function rememberStamp(cache: StampCache, serial: string, role: string, stat: Stats): void {
  if (cache.nowMs - Math.max(stat.mtimeMs, stat.ctimeMs) <= QUIET_MS) return;
  keep(cache, serial, role, stampOf(stat));
  cache.added++;
}

function keep(cache: StampCache, serial: string, role: string, stamp: FileStamp): void {
  const roles = cache.after.get(serial) ?? {};
  roles[role] = stamp;
  cache.after.set(serial, roles);
}

/** Whether saving would change the cache file: stamps added, or entries/roles no longer confirmed. */
export function stampCacheChanged(cache: StampCache): boolean {
  if (cache.damaged || cache.added > 0 || cache.after.size !== cache.before.size) return true;
  for (const [serial, roles] of cache.before) {
    // every role of every entry was confirmed (hits are kept under the same role): anything else, or a
    // value that is not an object of stamps, is saved over
    if (typeof roles !== "object" || roles === null || Array.isArray(roles)) return true;
    if (Object.keys(roles).length !== Object.keys(cache.after.get(serial) ?? {}).length) return true;
  }
  return false;
}

/** Writes what this run confirmed (atomically, 0600). Call it holding the home's lock. */
export function saveStampCache(home: string, cache: StampCache): void {
  const stamps: Record<string, EntryStamps> = {};
  for (const [serial, roles] of cache.after) stamps[serial] = roles;
  writeFilesAtomic([{ path: stampsPath(home), contents: `${JSON.stringify({ version: STAMPS_VERSION, stamps })}\n`, mode: 0o600, label: "status cache" }], { force: true, dirMode: 0o700 });
}
