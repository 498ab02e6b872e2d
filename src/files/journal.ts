/**
 * An append-only journal of keyed JSON records with group commit, for a long-running server's own
 * state (the ACME store). One file, one line per record:
 *
 *   <16 hex: first 8 bytes of SHA-256 of the JSON> <JSON {"k": key, "v": value}>\n
 *
 * - Group commit: append() queues a record and returns at once; the writer appends everything queued
 *   with one write and one fdatasync, then the next batch. flush() resolves once every record appended
 *   before it is on disk, so a caller answers only what is durable, and N concurrent callers cost one
 *   fdatasync, not N. Records are written in append order: a durable record implies every earlier one.
 * - Crash safety: a crash can only tear the end of the file (a record written in part). open() keeps
 *   every whole record before the first bad one at the end and cuts the torn tail off before appending;
 *   a bad record followed by good ones (not a crash: damage) is skipped and counted, never cut.
 * - Compaction: only the latest record of each key counts. When the file outgrows `compactBytes` (and
 *   twice its size after the last compaction), the writer copies the latest record of every key into a
 *   new file (temp file, fdatasync, rename over, fsync of the directory: atomic), so the disk holds one
 *   record per key. Appends made meanwhile wait and go into the new file. The owner may forget keys
 *   there (`keep`): a record it declines is left out of the new file, so the journal and its offset
 *   table stop growing with objects nobody asks for any more (finished ACME orders past retention).
 * - read(key) returns a key's latest value from memory if it is still queued, else from the disk (one
 *   pread at the offset kept per key): callers may forget values and read them back.
 *
 * The file belongs to the process that opened it (the caller holds a lock: src/files/server-lock.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, constants, fdatasync, fstatSync, fsync, ftruncateSync, fsyncSync, openSync, read, readFileSync, readSync, renameSync, unlinkSync, write, close as closeFd } from "node:fs";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { RegcertError } from "../pki/errors.js";
import { fsyncDirectory, trackForCleanup, untrackForCleanup, writeFilesAtomic } from "./write.js";

const writeAsync = (fd: number, buffer: Buffer): Promise<number> => new Promise((resolve, reject) => write(fd, buffer, (error, written) => (error ? reject(error) : resolve(written))));
const fdatasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(closeFd);
const readAsync = (fd: number, buffer: Buffer, position: number): Promise<number> =>
  new Promise((resolve, reject) => read(fd, buffer, 0, buffer.length, position, (error, n) => (error ? reject(error) : resolve(n))));
const COMPACT_WINDOW = 1024 * 1024;
const NEWLINE = 0x0a;
const HASH_HEX = 16;

export interface JournalOptions {
  /** file mode of the journal; default 0o600 */
  mode?: number;
  /** compact once the file is larger than this and than twice its size after the last compaction; default 4 MiB */
  compactBytes?: number;
  /** called for each record found at open, oldest first (later records of a key replace earlier ones) */
  onRecord?: (key: string, value: unknown) => void;
  /**
   * Asked during each compaction for the latest durable record of every key that has no newer record
   * queued; false leaves the key out of the compacted file: forgotten, read() no longer finds it.
   * `value()` parses the record (only keys the caller needs to look into cost a parse). Default: keep all.
   */
  keep?: (key: string, value: () => unknown) => boolean;
  /** after a compaction, the keys it forgot (none of them re-appended meanwhile) */
  onForgotten?: (keys: string[]) => void;
}

export interface JournalOpenReport {
  /** records read */
  records: number;
  /** bytes of a torn last record cut off (a crash while it was written); 0 if none */
  tornBytes: number;
  /** damaged records in the middle of the file, skipped */
  skipped: number;
}

interface Location {
  offset: number;
  length: number;
}

interface Queued {
  key: string;
  value: unknown;
  line: Buffer;
}

const checksum = (json: string): string => createHash("sha256").update(json).digest("hex").slice(0, HASH_HEX);

/** One record's line (the format above). */
export function journalLine(key: string, value: unknown): Buffer {
  const json = JSON.stringify({ k: key, v: value });
  return Buffer.from(`${checksum(json)} ${json}\n`, "utf8");
}

/** Parses one line (without its newline); undefined if it is not a whole, intact record. */
function parseLine(line: string): { key: string; value: unknown } | undefined {
  if (line.length < HASH_HEX + 2 || line[HASH_HEX] !== " ") return undefined;
  const json = line.slice(HASH_HEX + 1);
  if (checksum(json) !== line.slice(0, HASH_HEX)) return undefined;
  try {
    const record = JSON.parse(json) as { k?: unknown; v?: unknown };
    return typeof record.k === "string" ? { key: record.k, value: record.v } : undefined;
  } catch {
    return undefined;
  }
}

export class Journal {
  private fd: number;
  private size: number;
  private compactedSize: number;
  private readonly compactBytes: number;
  private readonly mode: number;
  private readonly keep: JournalOptions["keep"];
  private readonly onForgotten: JournalOptions["onForgotten"];
  /** where the latest durable record of each key is */
  private locations = new Map<string, Location>();
  /** records appended and not yet written, in order */
  private queue: Queued[] = [];
  /** the latest queued value per key (read() sees it before it is written) */
  private readonly queuedValues = new Map<string, { value: unknown; seq: number }>();
  private appended = 0;
  private durable = 0;
  private readonly waiters: Array<{ seq: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  private running: Promise<void> | undefined;
  private failure: RegcertError | undefined;
  private closed = false;
  readonly report: JournalOpenReport;

  /** Opens (creating it if missing) and reads the journal at `path`; cuts a torn tail off. */
  constructor(
    readonly path: string,
    options: JournalOptions = {},
  ) {
    this.mode = options.mode ?? 0o600;
    this.compactBytes = options.compactBytes ?? 4 * 1024 * 1024;
    this.keep = options.keep;
    this.onForgotten = options.onForgotten;
    this.fd = openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), this.mode);
    const report: JournalOpenReport = { records: 0, tornBytes: 0, skipped: 0 };
    const total = fstatSync(this.fd).size;
    const data = Buffer.alloc(total);
    for (let at = 0; at < total; ) {
      const n = readSync(this.fd, data, at, total - at, at);
      if (n === 0) break;
      at += n;
    }
    let offset = 0;
    let goodEnd = 0; // end of the last intact record: everything after it, if only damage, is a torn tail
    let damaged = 0;
    while (offset < data.length) {
      const newline = data.indexOf(NEWLINE, offset);
      const end = newline === -1 ? data.length : newline;
      const parsed = newline === -1 ? undefined : parseLine(data.toString("utf8", offset, end));
      if (parsed) {
        report.records++;
        report.skipped += damaged;
        damaged = 0;
        this.locations.set(parsed.key, { offset, length: end + 1 - offset });
        options.onRecord?.(parsed.key, parsed.value);
        goodEnd = end + 1;
      } else damaged++;
      offset = end + 1;
    }
    if (goodEnd < data.length) {
      // a crash while the last batch was written: drop its remains so new records start on a clean line
      report.tornBytes = data.length - goodEnd;
      ftruncateSync(this.fd, goodEnd);
      fsyncSync(this.fd);
    }
    this.size = goodEnd;
    this.compactedSize = goodEnd;
    this.report = report;
  }

  /** Number of keys with a durable record. */
  get keys(): number {
    return this.locations.size;
  }

  /** Size of the file in bytes (durable records only). */
  get bytes(): number {
    return this.size;
  }

  /** Queues a record; it is written with the next batch (flush() waits for it). */
  append(key: string, value: unknown): void {
    if (this.closed) throw new RegcertError("regcert.writeFailed", `the journal ${this.path} is closed`);
    if (this.failure) throw this.failure; // nothing more is queued once the disk has failed
    const seq = ++this.appended;
    this.queue.push({ key, value, line: journalLine(key, value) });
    this.queuedValues.set(key, { value, seq });
    this.kick();
  }

  /** True when the key's latest record is on disk (nothing newer queued). */
  isDurable(key: string): boolean {
    return !this.queuedValues.has(key) && this.locations.has(key);
  }

  /** The latest value of a key (queued or on disk); undefined if it has none. */
  read(key: string): unknown {
    const queued = this.queuedValues.get(key);
    if (queued) return queued.value;
    const at = this.locations.get(key);
    if (!at) return undefined;
    const buffer = Buffer.alloc(at.length);
    readSync(this.fd, buffer, 0, at.length, at.offset);
    const parsed = parseLine(buffer.toString("utf8", 0, at.length - 1));
    if (!parsed || parsed.key !== key) throw new RegcertError("regcert.journalDamaged", `the record of ${key} in ${this.path} cannot be read back`);
    return parsed.value;
  }

  /** Every key with a record (durable or queued). */
  *allKeys(): Iterable<string> {
    yield* this.locations.keys();
    for (const key of this.queuedValues.keys()) if (!this.locations.has(key)) yield key;
  }

  /** Resolves when every record appended so far is durable; rejects if writing failed. */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.durable >= this.appended) return Promise.resolve();
    const seq = this.appended;
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.kick();
    });
  }

  /** Writes the latest record of every key (that `keep` keeps) into a fresh file that replaces this one. */
  compact(): Promise<void> {
    return this.enqueueWork(() => this.compactNow());
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
      await this.running;
    } finally {
      this.closed = true;
      await closeAsync(this.fd).catch(() => undefined);
    }
  }

  private extraWork: Array<() => Promise<void>> = [];

  private enqueueWork(work: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.extraWork.push(() => work().then(resolve, reject));
      this.kick();
    });
  }

  private kick(): void {
    if (this.running || this.failure) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if ((this.queue.length > 0 || this.extraWork.length > 0) && !this.failure) this.kick();
    });
  }

  private async loop(): Promise<void> {
    // let the requests of this turn of the event loop join the batch
    await new Promise<void>((r) => setImmediate(r));
    while (!this.failure && (this.queue.length > 0 || this.extraWork.length > 0)) {
      if (this.queue.length > 0) await this.writeBatch();
      else await (this.extraWork.shift() as () => Promise<void>)();
      if (this.size > this.compactBytes && this.size > 2 * this.compactedSize && !this.failure) {
        // a failed compaction loses nothing (the old file is intact): say so, try again after as much growth
        await this.compactNow().catch((e: unknown) => {
          this.compactedSize = this.size;
          process.emitWarning(`journal ${this.path}: compaction failed: ${(e as Error).message}`);
        });
      }
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const lastSeq = this.appended; // every record appended so far is in this batch
    const data = Buffer.concat(batch.map((q) => q.line));
    try {
      let written = 0;
      while (written < data.length) written += await writeAsync(this.fd, written === 0 ? data : data.subarray(written));
      await fdatasyncAsync(this.fd);
    } catch (error) {
      this.fail(error);
      return;
    }
    let offset = this.size;
    for (const q of batch) {
      this.locations.set(q.key, { offset, length: q.line.length });
      offset += q.line.length;
      const queued = this.queuedValues.get(q.key);
      if (queued && queued.seq <= lastSeq) this.queuedValues.delete(q.key);
    }
    this.size = offset;
    this.durable = lastSeq;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i] as (typeof this.waiters)[number];
      if (waiter.seq <= this.durable) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /**
   * Copies the latest record of every key, in file order, through a 1 MiB window (memory stays
   * bounded however large the journal is), into a temp file that then replaces the journal. Keys the
   * owner declines (`keep`) are not copied: forgotten.
   */
  private async compactNow(): Promise<void> {
    const dir = dirname(this.path);
    const temp = join(dir, `.${basename(this.path)}.regcert-tmp-${randomBytes(6).toString("hex")}`);
    const entries = [...this.locations].sort((a, b) => a[1].offset - b[1].offset);
    const next = new Map<string, Location>();
    const declined: string[] = [];
    const fd = openSync(temp, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), this.mode);
    trackForCleanup(temp, "file");
    let offset = 0;
    try {
      let window = Buffer.alloc(0);
      let windowStart = 0;
      let out: Buffer[] = [];
      let outBytes = 0;
      const drain = async () => {
        const data = Buffer.concat(out, outBytes);
        out = [];
        outBytes = 0;
        for (let written = 0; written < data.length; ) written += await writeAsync(fd, written === 0 ? data : data.subarray(written));
      };
      for (const [key, at] of entries) {
        if (at.offset < windowStart || at.offset + at.length > windowStart + window.length) {
          window = Buffer.alloc(Math.max(COMPACT_WINDOW, at.length));
          windowStart = at.offset;
          const n = await readAsync(this.fd, window, at.offset);
          window = window.subarray(0, n);
          if (n < at.length) throw new Error(`the record of ${key} ends beyond the end of the file`);
        }
        const record = window.subarray(at.offset - windowStart, at.offset - windowStart + at.length);
        // a key with a newer value queued is in use: always kept (its record follows in the next batch)
        if (this.keep && !this.queuedValues.has(key) && !this.keep(key, () => parseLine(record.toString("utf8", 0, record.length - 1))?.value)) {
          declined.push(key);
          continue;
        }
        // a copy: the window buffer is reused for the next reads
        out.push(Buffer.from(record));
        outBytes += at.length;
        next.set(key, { offset, length: at.length });
        offset += at.length;
        if (outBytes >= COMPACT_WINDOW) await drain();
      }
      await drain();
      await fsyncAsync(fd);
      renameSync(temp, this.path);
    } catch (error) {
      closeSync(fd);
      try {
        unlinkSync(temp);
      } catch {
        /* already gone */
      }
      throw error;
    } finally {
      untrackForCleanup(temp);
    }
    fsyncDirectory(dir);
    // the swap is synchronous: read() sees either the old file and offsets or the new ones
    const previous = this.fd;
    this.fd = fd;
    this.locations = next;
    this.size = offset;
    this.compactedSize = offset;
    closeSync(previous);
    // a key appended again while the copy ran is written by the next batch: not forgotten
    const forgotten = declined.filter((key) => !this.queuedValues.has(key));
    if (forgotten.length > 0) this.onForgotten?.(forgotten);
  }

  private fail(error: unknown): void {
    this.failure =
      error instanceof RegcertError ? error : new RegcertError("regcert.writeFailed", `failed to write the journal ${this.path}: ${(error as Error).message}`, { cause: error });
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }
}

/**
 * Writes a new journal holding exactly `records` (migration from another layout) through the one atomic
 * file writer: temp file, fsync, link into place, directory fsync; an existing journal is never replaced.
 */
export function writeJournalSnapshot(path: string, records: Iterable<[string, unknown]>, mode = 0o600): void {
  const contents = Buffer.concat([...records].map(([key, value]) => journalLine(key, value)));
  writeFilesAtomic([{ path, contents, mode, label: "ACME journal" }], { dirMode: 0o700 });
}

/** Reads a journal without opening it for writing (nothing is cut): the latest value of each key. */
export function readJournal(path: string): Map<string, unknown> {
  const latest = new Map<string, unknown>();
  let data: string;
  try {
    data = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return latest;
    throw error;
  }
  const lines = data.split("\n");
  lines.pop(); // the part after the last newline: empty, or a record being written
  for (const line of lines) {
    const parsed = parseLine(line);
    if (parsed) latest.set(parsed.key, parsed.value);
  }
  return latest;
}
