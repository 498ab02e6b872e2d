/**
 * The durable ACME store: the in-memory maps of MemoryAcmeStore, with every change written through
 * to the CA home as one JSON file per object, atomically (src/files/record-writer.ts: temp file, fsync,
 * rename, in group-committed batches; a request is answered only once its changes are on disk), so a server stopped at any point restarts with every account, order, authorisation and
 * certificate it had answered about, and continues an order mid-way.
 *
 *   HOME/acme/accounts/ID.json  orders/ID.json  authz/ID.json  certs/ID.json (chain, serial, revocation)
 *   HOME/acme/server.lock/      held while a server runs: a second `acme serve` on the home is refused
 *
 * certs/ is this server's issuance record (serial, expiry, revocation). It is kept apart from the
 * home's index.json on purpose: ACME clients renew their own certificates, and `regcert renew --all`
 * (what `regcert schedule` runs) must not try to re-issue certificates whose keys it never had.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureDirectory } from "../files/write.js";
import { RecordWriter } from "../files/record-writer.js";
import { lockServerDir } from "../files/server-lock.js";
import { MemoryAcmeStore } from "./store.js";
import type { AccountRecord, AuthzRecord, CertRecord, OrderRecord } from "./types.js";

const KINDS = ["accounts", "orders", "authz", "certs"] as const;
type Kind = (typeof KINDS)[number];
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export const acmeDir = (home: string): string => join(home, "acme");

export class FileAcmeStore extends MemoryAcmeStore {
  private readonly dir: string;
  private readonly writer = new RecordWriter(0o600);
  private unlock: (() => void) | undefined;
  /** files that could not be read at start (reported by the CLI, never deleted) */
  readonly skipped: string[] = [];

  /** Opens (and locks) the store of a CA home, loading everything in it. */
  constructor(home: string, options: { lock?: boolean } = {}) {
    super();
    this.dir = acmeDir(home);
    this.unlock = options.lock === false ? undefined : lockServerDir(this.dir, home);
    for (const kind of KINDS) ensureDirectory(join(this.dir, kind), 0o700);
    this.load();
  }

  private load(): void {
    for (const kind of KINDS) {
      for (const file of readdirSync(join(this.dir, kind))) {
        if (!file.endsWith(".json") || !ID_RE.test(file.slice(0, -5))) continue;
        const path = join(this.dir, kind, file);
        try {
          const record = JSON.parse(readFileSync(path, "utf8")) as { id?: unknown };
          if (typeof record.id !== "string") throw new Error("no id");
          if (kind === "accounts") super.putAccount(record as AccountRecord);
          else if (kind === "orders") super.putOrder(record as OrderRecord);
          else if (kind === "authz") super.putAuthz(record as AuthzRecord);
          else super.putCert(record as CertRecord);
        } catch {
          this.skipped.push(path);
        }
      }
    }
  }

  private write(kind: Kind, record: { id: string }): void {
    if (!ID_RE.test(record.id)) throw new Error(`bad record id ${record.id}`);
    this.writer.put(join(this.dir, kind, `${record.id}.json`), `${JSON.stringify(record)}\n`);
  }

  /** Resolves when every change so far is on disk (the protocol awaits it before it answers). */
  override flush(): Promise<void> {
    return this.writer.flush();
  }

  override putAccount(account: AccountRecord, previousThumbprint?: string): void {
    this.write("accounts", account);
    super.putAccount(account, previousThumbprint);
  }
  override putOrder(order: OrderRecord): void {
    this.write("orders", order);
    super.putOrder(order);
  }
  override putAuthz(authz: AuthzRecord): void {
    this.write("authz", authz);
    super.putAuthz(authz);
  }
  override putCert(cert: CertRecord): void {
    this.write("certs", cert);
    super.putCert(cert);
  }
  /** How many certificates this server issued and how many of them are revoked. */
  counts(): { accounts: number; orders: number; certificates: number; revoked: number } {
    const certs = [...this.certs.values()];
    return { accounts: this.accounts.size, orders: this.orders.size, certificates: certs.length, revoked: certs.filter((c) => c.revoked).length };
  }
  override close(): void {
    this.unlock?.();
    this.unlock = undefined;
  }
}
