/**
 * Where the server keeps its state. MemoryAcmeStore is the working set every request reads; the
 * file store (file-store.ts) is the same maps with every change written through to the CA home, so a
 * restarted server continues where it stopped. Reads never touch the disk.
 */
import type { AccountRecord, AuthzRecord, CertRecord, OrderRecord } from "./types.js";

export interface AcmeStore {
  getAccount(id: string): AccountRecord | undefined;
  findAccountByThumbprint(thumbprint: string): AccountRecord | undefined;
  putAccount(account: AccountRecord, previousThumbprint?: string): void;
  getOrder(id: string): OrderRecord | undefined;
  putOrder(order: OrderRecord): void;
  ordersOf(accountId: string): Iterable<OrderRecord>;
  getAuthz(id: string): AuthzRecord | undefined;
  putAuthz(authz: AuthzRecord): void;
  /** every authorisation (restart: challenges left "processing" are validated again) */
  allAuthz(): Iterable<AuthzRecord>;
  getCert(id: string): CertRecord | undefined;
  findCertBySerial(serial: string): CertRecord | undefined;
  putCert(cert: CertRecord): void;
  /** resolves when every change so far is durable (the protocol awaits it before answering) */
  flush(): Promise<void>;
  /** writes what is pending and releases what the store holds (the file store's journal and lock) */
  close(): void | Promise<void>;
}

export class MemoryAcmeStore implements AcmeStore {
  protected readonly accounts = new Map<string, AccountRecord>();
  protected readonly byThumbprint = new Map<string, string>();
  protected readonly orders = new Map<string, OrderRecord>();
  protected readonly authzs = new Map<string, AuthzRecord>();
  protected readonly certs = new Map<string, CertRecord>();
  protected readonly bySerial = new Map<string, string>();

  getAccount(id: string) {
    return this.accounts.get(id);
  }
  findAccountByThumbprint(thumbprint: string) {
    const id = this.byThumbprint.get(thumbprint);
    return id === undefined ? undefined : this.accounts.get(id);
  }
  putAccount(account: AccountRecord, previousThumbprint?: string) {
    if (previousThumbprint !== undefined && previousThumbprint !== account.thumbprint) this.byThumbprint.delete(previousThumbprint);
    this.accounts.set(account.id, account);
    this.byThumbprint.set(account.thumbprint, account.id);
  }
  getOrder(id: string) {
    return this.orders.get(id);
  }
  putOrder(order: OrderRecord) {
    this.orders.set(order.id, order);
  }
  *ordersOf(accountId: string) {
    for (const order of this.orders.values()) if (order.accountId === accountId) yield order;
  }
  getAuthz(id: string) {
    return this.authzs.get(id);
  }
  putAuthz(authz: AuthzRecord) {
    this.authzs.set(authz.id, authz);
  }
  allAuthz() {
    return this.authzs.values();
  }
  getCert(id: string) {
    return this.certs.get(id);
  }
  findCertBySerial(serial: string) {
    const id = this.bySerial.get(serial);
    return id === undefined ? undefined : this.certs.get(id);
  }
  putCert(cert: CertRecord) {
    this.certs.set(cert.id, cert);
    this.bySerial.set(cert.serial, cert.id);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close() {}
}
