/**
 * The durable ACME store: the working set in memory (MemoryAcmeStore's maps), every change appended to
 * one journal in the CA home (src/files/journal.ts: append-only, group commit, torn-tail safe,
 * compacted to one record per object), so a server stopped at any point restarts with every account,
 * order, authorisation and certificate it had made durable, and continues an order mid-way.
 *
 *   HOME/acme/state.journal   one line per change: "acct:ID", "order:ID", "authz:ID", "cert:ID" records
 *   HOME/acme/server.lock/    held while a server runs: a second `acme serve` on the home is refused
 *
 * Memory stays flat however long the server runs: an order that is finished (valid or invalid) is kept
 * in memory while it is among the last `retainFinished` finished ones (clients download the
 * certificate and poll right after finishing), then forgotten from memory once its records are on disk:
 * a later read of it, its authorisations or its certificate comes from the journal (one pread).
 * Accounts stay in memory; nonces are never stored (protocol.ts keeps a bounded pool).
 *
 * Disk and the in-memory id tables stay bounded too: compaction forgets orders and authorisations (with
 * their challenges) that are finished or expired and whose expiry is older than `retentionMs` (30
 * days): RFC 8555 §7.1.3 lets a server forget expired orders, and a client asking for one gets the
 * same 404 "no such order" (malformed) as for an unknown id. Accounts and certificates are kept
 * (revocation and download need them: a certificate's record carries its account). A start that finds
 * such records compacts once in the background, so a server restarted often still forgets them.
 *
 * What the protocol waits for (flush) and what it does not is decided there (protocol.ts): account
 * changes, certificate issuance and revocation are answered only once durable; transient steps (a new
 * order, a challenge started) are written with the next batch without holding the answer.
 *
 * Homes written by earlier versions (one JSON file per object under accounts/, orders/, authz/,
 * certs/) are migrated at open: the files are read, written as one journal (atomically), then removed.
 *
 * The certificates are this server's issuance record (serial, expiry, revocation), kept apart from the
 * home's index.json: ACME clients renew their own certificates, and `regcert renew --all` (what
 * `regcert schedule` runs) must not try to re-issue certificates whose keys it never had.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { Journal, writeJournalSnapshot, type JournalOpenReport } from "../files/journal.js";
import { acmeJournalPath } from "../files/acme-certificates.js";
import { lockServerDir } from "../files/server-lock.js";
import { ensureDirectory } from "../files/write.js";
import { MemoryAcmeStore } from "./store.js";
import type { AccountRecord, AuthzRecord, CertRecord, OrderRecord } from "./types.js";

const LEGACY_KINDS = { accounts: "acct", orders: "order", authz: "authz", certs: "cert" } as const;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export const acmeDir = (home: string): string => join(home, "acme");
/** HOME/acme/state.journal: defined with the index's reader of its certificates (files/acme-certificates.ts) */
export { acmeJournalPath };

export interface FileAcmeStoreOptions {
  /** take the home's server lock; default true */
  lock?: boolean;
  /** finished orders kept in memory (the most recent ones); default 100 */
  retainFinished?: number;
  /** compact the journal beyond this size (and twice its last compacted size); default 4 MiB */
  compactBytes?: number;
  /** finished or expired orders and authorisations are forgotten at compaction once their expiry is older than this; default 30 days */
  retentionMs?: number;
  /** the clock retention is judged by; default the system clock (acme serve passes its own) */
  now?: () => Date;
}

export const ACME_RETENTION_MS = 30 * 24 * 3600 * 1000;

const isFinished = (order: OrderRecord) => order.status === "valid" || order.status === "invalid";

/**
 * An order or authorisation compaction may forget: finished (an order valid or invalid, an
 * authorisation no longer pending) or expired, and expired longer ago than the retention. An
 * authorisation shares its order's expiry (protocol.ts newOrder), so both go at the same compaction.
 */
export function forgettable(kind: string, record: unknown, now: number, retentionMs: number): boolean {
  if (kind !== "order" && kind !== "authz") return false; // accounts and certificates are kept
  const { status, expires } = (record ?? {}) as { status?: unknown; expires?: unknown };
  const expiry = typeof expires === "string" ? Date.parse(expires) : Number.NaN;
  if (Number.isNaN(expiry)) return false; // not ours to judge: kept
  const finished = kind === "order" ? status === "valid" || status === "invalid" : status !== "pending";
  return (finished || expiry <= now) && expiry < now - retentionMs;
}

export class FileAcmeStore extends MemoryAcmeStore {
  private readonly dir: string;
  private readonly journal: Journal;
  private unlock: (() => void) | undefined;
  private readonly retainFinished: number;
  private readonly retentionMs: number;
  private readonly now: () => Date;
  /** finished orders still in memory, oldest first */
  private readonly finished = new Set<string>();
  /** orders forgotten from memory -> their account (account order lists) */
  private readonly archivedOrders = new Map<string, string>();
  /** ids of revoked certificates (counted without reading forgotten ones back) */
  private readonly revoked = new Set<string>();
  /** records that could not be read at start (reported by the CLI, never deleted) */
  readonly skipped: string[] = [];
  /** what opening the journal found (torn tail cut off, damaged records skipped) */
  readonly journalReport: JournalOpenReport;

  /** Opens (and locks) the store of a CA home, loading everything in it. */
  constructor(home: string, options: FileAcmeStoreOptions = {}) {
    super();
    this.dir = acmeDir(home);
    this.retainFinished = options.retainFinished ?? 100;
    this.retentionMs = options.retentionMs ?? ACME_RETENTION_MS;
    this.now = options.now ?? (() => new Date());
    this.unlock = options.lock === false ? undefined : lockServerDir(this.dir, home);
    try {
      ensureDirectory(this.dir, 0o700);
      const path = acmeJournalPath(home);
      this.migrateLegacy(path);
      const openedAt = this.now().getTime();
      let stale = 0;
      this.journal = new Journal(path, {
        mode: 0o600,
        ...(options.compactBytes !== undefined ? { compactBytes: options.compactBytes } : {}),
        onRecord: (key, value) => {
          this.load(key, value, path);
          if (forgettable(key.slice(0, key.indexOf(":")), value, openedAt, this.retentionMs)) stale++;
        },
        keep: (key, value) => {
          const kind = key.slice(0, key.indexOf(":"));
          return (kind !== "order" && kind !== "authz") || !forgettable(kind, value(), this.now().getTime(), this.retentionMs);
        },
        onForgotten: (keys) => this.forget(keys),
      });
      this.journalReport = this.journal.report;
      // older records than the retention (counted over every record read, superseded ones too): forgotten in the background
      if (stale > 0) this.compact().catch((e: unknown) => process.emitWarning(`ACME journal ${path}: compaction failed: ${(e as Error).message}`));
      if (this.journalReport.skipped > 0) this.skipped.push(`${path} (${this.journalReport.skipped} damaged record(s))`);
      for (const order of this.orders.values()) if (isFinished(order)) this.finished.add(order.id);
      this.evict();
    } catch (error) {
      this.unlock?.();
      throw error;
    }
  }

  private load(key: string, value: unknown, path: string): void {
    const colon = key.indexOf(":");
    const kind = key.slice(0, colon);
    const record = value as { id?: unknown };
    if (typeof record !== "object" || record === null || typeof record.id !== "string" || record.id !== key.slice(colon + 1)) {
      this.skipped.push(`${path}: record ${key}`);
      return;
    }
    if (kind === "acct") super.putAccount(record as AccountRecord, this.accounts.get(record.id)?.thumbprint);
    else if (kind === "order") super.putOrder(record as OrderRecord);
    else if (kind === "authz") super.putAuthz(record as AuthzRecord);
    else if (kind === "cert") {
      super.putCert(record as CertRecord);
      if ((record as CertRecord).revoked) this.revoked.add(record.id);
    }
  }

  /** One JSON file per object (earlier layout) -> one journal; the files are removed once it is durable. */
  private migrateLegacy(path: string): void {
    const found: Array<[string, unknown]> = [];
    const files: string[] = [];
    for (const [dirName, kind] of Object.entries(LEGACY_KINDS)) {
      const dir = join(this.dir, dirName);
      if (!existsSync(dir)) continue;
      for (const file of readdirSync(dir)) {
        if (!file.endsWith(".json") || !ID_RE.test(file.slice(0, -5))) continue;
        const filePath = join(dir, file);
        try {
          const record = JSON.parse(readFileSync(filePath, "utf8")) as { id?: unknown };
          if (typeof record.id !== "string" || record.id !== file.slice(0, -5)) throw new Error("no id");
          found.push([`${kind}:${record.id}`, record]);
          files.push(filePath);
        } catch {
          this.skipped.push(filePath);
        }
      }
    }
    if (files.length === 0) return;
    // an existing journal was written from these files before a crash stopped their removal
    if (!existsSync(path)) writeJournalSnapshot(path, found);
    for (const file of files) unlinkSync(file);
    for (const dirName of Object.keys(LEGACY_KINDS)) {
      try {
        rmdirSync(join(this.dir, dirName));
      } catch {
        /* not empty (unreadable files are kept) or absent */
      }
    }
  }

  /** Forgets the oldest finished orders (with their authorisations and certificate) once on disk. */
  private evict(): void {
    while (this.finished.size > this.retainFinished) {
      const id = this.finished.values().next().value as string;
      const order = this.orders.get(id);
      if (order) {
        const keys = [`order:${id}`, ...order.authzIds.map((a) => `authz:${a}`), ...(order.certId ? [`cert:${order.certId}`] : [])];
        if (!keys.every((k) => this.journal.isDurable(k))) return; // written with the next batch: try again later
        this.orders.delete(id);
        for (const authzId of order.authzIds) {
          const authz = this.authzs.get(authzId);
          if (authz && authz.status !== "pending") this.authzs.delete(authzId);
        }
        if (order.certId) this.certs.delete(order.certId);
        this.archivedOrders.set(id, order.accountId);
      }
      this.finished.delete(id);
    }
  }

  /** Drops what compaction forgot from the in-memory tables: later reads find nothing (404 no such order). */
  private forget(keys: string[]): void {
    for (const key of keys) {
      const colon = key.indexOf(":");
      const kind = key.slice(0, colon);
      const id = key.slice(colon + 1);
      if (kind === "order") {
        this.orders.delete(id);
        this.finished.delete(id);
        this.archivedOrders.delete(id);
      } else if (kind === "authz") this.authzs.delete(id);
    }
  }

  /** Resolves when every change so far is on disk (the protocol awaits it before answers that need it). */
  override async flush(): Promise<void> {
    await this.journal.flush();
    this.evict();
  }

  override putAccount(account: AccountRecord, previousThumbprint?: string): void {
    this.journal.append(`acct:${account.id}`, account);
    super.putAccount(account, previousThumbprint);
  }
  override putOrder(order: OrderRecord): void {
    this.journal.append(`order:${order.id}`, order);
    super.putOrder(order);
    this.archivedOrders.delete(order.id);
    if (isFinished(order)) {
      this.finished.add(order.id);
      this.evict();
    }
  }
  override putAuthz(authz: AuthzRecord): void {
    this.journal.append(`authz:${authz.id}`, authz);
    super.putAuthz(authz);
  }
  override putCert(cert: CertRecord): void {
    this.journal.append(`cert:${cert.id}`, cert);
    super.putCert(cert);
    if (cert.revoked) this.revoked.add(cert.id);
  }

  override getOrder(id: string): OrderRecord | undefined {
    return super.getOrder(id) ?? (this.journal.read(`order:${id}`) as OrderRecord | undefined);
  }
  override getAuthz(id: string): AuthzRecord | undefined {
    return super.getAuthz(id) ?? (this.journal.read(`authz:${id}`) as AuthzRecord | undefined);
  }
  override getCert(id: string): CertRecord | undefined {
    return super.getCert(id) ?? (this.journal.read(`cert:${id}`) as CertRecord | undefined);
  }
  override findCertBySerial(serial: string): CertRecord | undefined {
    const id = this.bySerial.get(serial);
    return id === undefined ? undefined : this.getCert(id);
  }
  override *ordersOf(accountId: string): Generator<OrderRecord, void, unknown> {
    yield* super.ordersOf(accountId);
    for (const [id, owner] of this.archivedOrders) {
      if (owner !== accountId || this.orders.has(id)) continue;
      const order = this.getOrder(id);
      if (order) yield order;
    }
  }

  /** How many objects the store holds (in memory and on disk). */
  counts(): { accounts: number; orders: number; certificates: number; revoked: number } {
    return { accounts: this.accounts.size, orders: this.orders.size + this.archivedOrders.size, certificates: this.bySerial.size, revoked: this.revoked.size };
  }

  /** Objects held in memory right now (tests: memory stays bounded). */
  memoryCounts(): { orders: number; authzs: number; certs: number } {
    return { orders: this.orders.size, authzs: this.authzs.size, certs: this.certs.size };
  }

  /**
   * Rewrites the journal with one record per object, forgetting orders and authorisations past the
   * retention (also done by itself as the file grows).
   */
  compact(): Promise<void> {
    return this.journal.compact();
  }

  /** Writes what is queued and releases the journal and the lock. */
  override async close(): Promise<void> {
    try {
      await this.journal.close();
    } finally {
      this.unlock?.();
      this.unlock = undefined;
    }
  }
}
