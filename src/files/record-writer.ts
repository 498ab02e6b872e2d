/**
 * Group commit for a server's own small records (the ACME store): each record is written like
 * writeFilesAtomic does it (exclusive temp file with its mode, fsync, rename over the old one, then one
 * fsync per directory), but asynchronously and in batches: every change made while a batch is being
 * written goes into the next one, and flush() resolves once everything put before it is on disk. A
 * server answers a request only after flush(), so what a client was told survives a crash; the event
 * loop never blocks on the disk, and N concurrent requests cost one round of fsyncs, not N.
 *
 * No conflict checks: these files belong to the server (it holds the home's server lock). Later puts
 * of one path replace earlier ones still waiting.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { RegcertError } from "../pki/errors.js";
import { trackForCleanup, untrackForCleanup } from "./write.js";

export class RecordWriter {
  private waiting = new Map<string, Buffer>();
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(private readonly mode = 0o600) {}

  put(path: string, contents: string): void {
    this.waiting.set(path, Buffer.from(contents, "utf8"));
  }

  /** Resolves when every record put so far is durable; rejects if writing one failed. */
  async flush(): Promise<void> {
    while (this.running || this.waiting.size > 0) {
      if (this.running) {
        await this.running;
        continue;
      }
      const batch = this.waiting;
      this.waiting = new Map();
      this.running = this.writeBatch(batch).finally(() => {
        this.running = undefined;
      });
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private async writeBatch(batch: Map<string, Buffer>): Promise<void> {
    try {
      await Promise.all([...batch].map(([path, data]) => this.writeOne(path, data)));
      await Promise.all([...new Set([...batch.keys()].map((p) => dirname(p)))].map(fsyncDirectory));
    } catch (error) {
      this.failure = error instanceof RegcertError ? error : new RegcertError("regcert.writeFailed", `failed to write a record: ${(error as Error).message}`, { cause: error });
    }
  }

  private async writeOne(path: string, data: Buffer): Promise<void> {
    const temp = join(dirname(path), `.${basename(path)}.regcert-tmp-${randomBytes(6).toString("hex")}`);
    const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0), this.mode);
    trackForCleanup(temp, "file");
    try {
      await handle.chmod(this.mode);
      await handle.writeFile(data);
      await handle.sync();
      await handle.close();
      await rename(temp, path);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw error;
    } finally {
      untrackForCleanup(temp);
    }
  }
}

async function fsyncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* some file systems cannot fsync a directory; the rename is still atomic */
  }
}
