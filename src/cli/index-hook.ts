/**
 * Recording what issue, sign and renew wrote in the home's certificate index. Bookkeeping must never
 * undo or block the real work: the certificate files are already written when this runs, so any
 * failure here is a warning, and a damaged index is rebuilt from the archive (and the user told).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { acmeArchiveRecord, acmeJournalCertificates, type JournalCertificate } from "../files/acme-certificates.js";
import type { CaCertificateInfo } from "../pki/issuer.js";
import type { IssuedCertificate } from "../pki/issue.js";
import { decodePemOrDer, toPem } from "../pki/pem.js";
import { entryFieldsFromIssued, readIndex, recordCertificates, type EntryFields, recordRevocation, type AcmeOrigin, type ArchiveRecord, type IndexCommand, type IndexFiles, type IndexRead, type Revocation } from "../files/index-store.js";
import { withHomeLock } from "../files/home.js";
import { saveRepairedIndex } from "../lifecycle/status.js";
import type { Context } from "./context.js";

export interface RecordInput {
  command: IndexCommand;
  name: string;
  certificatePem: string;
  files: IndexFiles;
  /** the signing CA */
  ca: CaCertificateInfo;
  /** the CSR a `sign` run signed, PEM or DER (kept so renew can re-sign it) */
  csr?: string | Uint8Array | undefined;
  /** what the engine returned for certificatePem: its index fields are taken from it, not parsed back */
  issued?: IssuedCertificate | undefined;
}

function csrPem(csr: string | Uint8Array): string {
  const der = decodePemOrDer(csr, ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"], "the CSR")[0] as Uint8Array;
  return toPem("CERTIFICATE REQUEST", der);
}

/** Tells the user when the index had to be rebuilt or repaired. */
export function reportIndexRepair(ctx: Context, read: IndexRead): void {
  if (read.rebuilt) {
    const why = read.rebuilt === "missing" ? "was missing" : "was corrupt";
    const acme = read.fromAcmeJournal ?? 0;
    const also = acme > 0 ? ` and ${acme} in its ACME journal` : "";
    ctx.ui.warn(`the certificate index ${read.path} ${why}; rebuilt it from ${read.entries.length - acme} archived certificate(s) in the home's issued/ directory${also}`);
  } else if (read.merged > 0) {
    ctx.ui.warn(`the certificate index lacked ${read.merged} certificate(s) found in the archive; added them`);
  }
  if (read.skipped > 0) ctx.ui.warn(`${read.skipped} archive record(s) in the home's issued/ directory could not be read and were skipped`);
}

/** Records certificates in the index of the current home; warns instead of failing. */
export async function recordInIndex(ctx: Context, inputs: RecordInput[]): Promise<void> {
  const home = ctx.home();
  try {
    const now = new Date().toISOString();
    const fields = inputs.map((input) => (input.issued ? entryFieldsFromIssued(input.issued) : undefined));
    const { read } = await withHomeLock(home, () =>
      recordCertificates(
        home,
        inputs.map((input) => ({
          name: input.name,
          command: input.command,
          issuer: { fingerprint: input.ca.fingerprint, commonName: input.ca.commonName ?? null },
          files: Object.fromEntries(Object.entries(input.files).filter(([, v]) => typeof v === "string").map(([k, v]) => [k, resolve(v as string)])) as unknown as IndexFiles,
          recordedAt: now,
          certificatePem: input.certificatePem,
          ...(input.csr ? { csrPem: csrPem(input.csr) } : {}),
        })),
        { fields },
      ),
    );
    if (read) reportIndexRepair(ctx, read);
  } catch (error) {
    ctx.ui.warn(`the certificate was written, but recording it in the index of ${home} failed: ${(error as Error).message}`);
  }
}

export interface AcmeRecordInput {
  certificatePem: string;
  ca: CaCertificateInfo;
  acme: AcmeOrigin;
  /** the entry's name (acmeEntryName) */
  name: string;
  /** the certificate's index fields (entryFieldsFromIssued of what finalize signed): not parsed back */
  fields?: EntryFields | undefined;
}

type AcmeIndexChange = { kind: "issued"; input: AcmeRecordInput } | { kind: "revoked"; serial: string; revocation: Revocation };

/** How long issued certificates wait to be recorded together (a revocation or flush() does not wait). */
export const ACME_RECORD_WINDOW_MS = 250;

/**
 * Records what `regcert acme serve` issues and revokes in the home's index (source "acme": its ACME
 * client holds the files). Group commit: changes are collected for up to `windowMs` and written under
 * one home lock in one journal append, so a busy server pays the lock (a directory made and removed,
 * ~1.7 ms on a common ext4 disk) a few times a second, not per order. The certificates need no archive
 * record or fsync of their own: the ACME journal holds them durably before the client hears of them
 * (recordCertificates' durable: false). A revocation is written at once (its answer waits for it, so
 * once the client hears "revoked", status says so too), with what is queued before it; changes are
 * applied in arrival order. Each promise resolves once its change is written; failures are warnings
 * (the next start catches the index up: reconcileAcmeIndex). flush() writes what is queued now.
 */
export class AcmeIndexRecorder {
  private pending: Array<{ change: AcmeIndexChange; done: () => void }> = [];
  /** the batch waiting for the home's lock (taken off `pending`, not yet written) */
  private inflight: AcmeIndexChange[] = [];
  private running: Promise<void> | undefined;
  /** ends the current window early (a revocation, flush) */
  private wake: (() => void) | undefined;
  private readonly windowMs: number;

  constructor(
    private readonly ctx: Context,
    private readonly home: string,
    options: { windowMs?: number } = {},
  ) {
    this.windowMs = options.windowMs ?? ACME_RECORD_WINDOW_MS;
  }

  issued(input: AcmeRecordInput): Promise<void> {
    return this.enqueue({ kind: "issued", input });
  }

  revoked(serial: string, revocation: Revocation): Promise<void> {
    const written = this.enqueue({ kind: "revoked", serial, revocation });
    this.wake?.();
    return written;
  }

  /** Resolves when every change queued so far is written (or has failed with a warning). */
  async flush(): Promise<void> {
    while (this.running) {
      this.wake?.();
      await this.running;
    }
  }

  /**
   * At a stop (SIGINT/SIGTERM, just before the process exits): writes what is queued now, synchronously.
   * A write in progress cannot be cut (it runs in one tick once the lock is held); when another run
   * holds the lock, nothing is written and the next start catches the index up (reconcileAcmeIndex).
   */
  flushSync(): void {
    const changes = [...this.inflight, ...this.pending.map((p) => p.change)];
    if (changes.length === 0) return;
    const lock = join(this.home, ".lock");
    try {
      mkdirSync(lock, { mode: 0o700 });
    } catch {
      return;
    }
    try {
      this.apply(changes);
      this.inflight = [];
      for (const p of this.pending.splice(0)) p.done();
    } catch {
      /* the ACME journal has them: the next start records them */
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }

  private enqueue(change: AcmeIndexChange): Promise<void> {
    const written = new Promise<void>((done) => this.pending.push({ change, done }));
    this.running ??= this.drain();
    return written;
  }

  /** Waits out the window (the caller's answer goes first, and what finishes meanwhile joins the batch). */
  private window(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), this.windowMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        setImmediate(resolve);
      };
      if (this.pending.some((p) => p.change.kind === "revoked")) this.wake();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        await this.window();
        const batch = this.pending;
        this.pending = [];
        this.inflight = batch.map((p) => p.change);
        await this.write(this.inflight);
        this.inflight = [];
        for (const p of batch) p.done();
      }
    } finally {
      this.running = undefined;
    }
  }

  private async write(changes: AcmeIndexChange[]): Promise<void> {
    try {
      const read = await withHomeLock(this.home, () => this.apply(changes));
      if (read) reportIndexRepair(this.ctx, read);
    } catch (error) {
      this.ctx.ui.warn(`${changes.length} ACME certificate(s)/revocation(s) are in the ACME journal, but recording them in the index of ${this.home} failed (the next start retries): ${(error as Error).message}`);
    }
  }

  /** Writes the changes (the caller holds the home's lock); returns what readIndex found when it had to read it. */
  private apply(changes: AcmeIndexChange[]): IndexRead | undefined {
    const home = this.home;
    let repaired: IndexRead | undefined;
    const records: ArchiveRecord[] = [];
    const fields: Array<EntryFields | undefined> = [];
    const now = new Date().toISOString();
    // issued certificates are written together; a revocation first writes those before it (order kept).
    // No archive record, no fsync: the ACME journal (fsynced before the client got its certificate) is
    // the durable copy, and reconcileAcmeIndex records at the next start what a power cut took (an
    // fsync here would block every request of the server while it runs).
    const writeRecords = () => {
      if (records.length === 0) return;
      repaired ??= recordCertificates(home, records.splice(0), { fields: fields.splice(0), durable: false }).read;
    };
    for (const change of changes) {
      if (change.kind === "issued") {
        const { input } = change;
        records.push({
          name: input.name,
          command: "acme",
          issuer: { fingerprint: input.ca.fingerprint, commonName: input.ca.commonName ?? null },
          files: { certificate: "" },
          recordedAt: now,
          certificatePem: input.certificatePem,
          source: "acme",
          acme: input.acme,
        });
        fields.push(input.fields);
      } else {
        writeRecords();
        recordRevocation(home, change.serial, change.revocation);
      }
    }
    writeRecords();
    return repaired;
  }
}

/** Saves an index that had to be rebuilt (and says so), so the next run does not rebuild it again. Best effort. */
export async function persistRepairedIndex(ctx: Context, home: string, index: IndexRead): Promise<void> {
  if (!index.rebuilt && index.merged === 0) return;
  reportIndexRepair(ctx, index);
  try {
    await saveRepairedIndex(home, index);
  } catch (error) {
    ctx.ui.warn(`could not save the rebuilt index: ${(error as Error).message}`);
  }
}

export { acmeEntryName } from "../files/acme-certificates.js";

/**
 * At `acme serve` start: records in the index every certificate (and revocation) in the ACME journal
 * the index lacks: one whose recording was cut off by a stop or a power cut (the journal has it first:
 * index lines of ACME certificates are not fsynced), or issued by a version before ACME entries. Each
 * is listed under the CA that signed it (the chain's second certificate), also one from before a CA
 * rotation. Returns how many were added and marked revoked; warns instead of failing.
 */
export async function reconcileAcmeIndex(ctx: Context, home: string): Promise<{ recorded: number; revoked: number }> {
  const done = { recorded: 0, revoked: 0 };
  try {
    const certs = acmeJournalCertificates(home);
    if (certs.length === 0) return done;
    const bare = (hex: string) => hex.toLowerCase().replace(/^0+(?=.)/, "");
    await withHomeLock(home, () => {
      const known = new Map(readIndex(home).entries.map((e) => [bare(e.serial), e]));
      const records: ArchiveRecord[] = [];
      const revocations: JournalCertificate[] = [];
      const now = new Date().toISOString();
      for (const cert of certs) {
        const entry = known.get(bare(cert.serial));
        if (entry) {
          if (cert.revoked && !entry.revoked) revocations.push(cert);
          continue;
        }
        const record = acmeArchiveRecord(cert, now);
        if (!record) continue;
        records.push(record);
        if (cert.revoked) revocations.push(cert);
      }
      if (records.length > 0) recordCertificates(home, records, { durable: false });
      for (const cert of revocations) if (cert.revoked) recordRevocation(home, cert.serial, cert.revoked);
      done.recorded = records.length;
      done.revoked = revocations.length;
    });
  } catch (error) {
    ctx.ui.warn(`could not bring the index of ${home} up to date with the ACME journal: ${(error as Error).message}`);
  }
  return done;
}
