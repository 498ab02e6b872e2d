/**
 * The ACME state journal (src/files/journal.ts) and the store on it (src/acme/file-store.ts):
 * group commit, a crash in the middle of a record (torn tail cut, every earlier record kept), damage
 * in the middle (skipped, later records kept), compaction (one record per key, values unchanged, file
 * bounded), memory bounded (finished orders forgotten from memory, read back from disk), and the
 * migration of the earlier one-file-per-object layout.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal, journalLine } from "../../../src/files/journal.js";
import { FileAcmeStore, acmeJournalPath } from "../../../src/acme/file-store.js";
import type { AccountRecord, AuthzRecord, CertRecord, OrderRecord } from "../../../src/acme/types.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "regcert-journal-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const reopen = (path: string, options: { compactBytes?: number } = {}) => {
  const seen = new Map<string, unknown>();
  const journal = new Journal(path, { ...options, onRecord: (k, v) => seen.set(k, v) });
  return { journal, seen };
};

test("group commit: records appended together are durable after one flush, in order, 0600; the latest value of a key wins", async () => {
  const path = join(dir, "j");
  const { journal } = reopen(path);
  for (let i = 0; i < 100; i++) journal.append(`k${i % 10}`, { i });
  expect(journal.read("k3")).toEqual({ i: 93 }); // queued values are readable before they are written
  await journal.flush();
  expect(journal.isDurable("k3")).toBe(true);
  expect(journal.read("k3")).toEqual({ i: 93 }); // from disk now
  await journal.close();
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toHaveLength(100);
  const { journal: again, seen } = reopen(path);
  expect(again.report).toEqual({ records: 100, tornBytes: 0, skipped: 0 });
  expect(seen.get("k0")).toEqual({ i: 90 });
  expect(seen.get("k9")).toEqual({ i: 99 });
  await again.close();
});

test("a crash in the middle of the last record: the torn tail is cut off, every earlier record is kept, appending continues on a clean line", async () => {
  const path = join(dir, "j");
  const { journal } = reopen(path);
  journal.append("a", { n: 1 });
  journal.append("b", { n: 2 });
  await journal.close();
  const whole = statSync(path).size;
  // the crash: half of the next record reached the disk
  const next = journalLine("c", { n: 3, pad: "x".repeat(200) });
  appendFileSync(path, next.subarray(0, Math.floor(next.length / 2)));
  const { journal: after, seen } = reopen(path);
  expect(after.report.tornBytes).toBe(Math.floor(next.length / 2));
  expect(after.report.skipped).toBe(0);
  expect([...seen]).toEqual([
    ["a", { n: 1 }],
    ["b", { n: 2 }],
  ]);
  expect(statSync(path).size).toBe(whole);
  after.append("c", { n: 4 });
  await after.close();
  const { journal: third, seen: seen3 } = reopen(path);
  expect(third.report).toEqual({ records: 3, tornBytes: 0, skipped: 0 });
  expect(seen3.get("c")).toEqual({ n: 4 });
  await third.close();
});

test("a whole last line with a wrong checksum (torn inside a sector) is a torn tail too", async () => {
  const path = join(dir, "j");
  const { journal } = reopen(path);
  journal.append("a", { n: 1 });
  journal.append("b", { n: 2 });
  await journal.close();
  const text = readFileSync(path, "utf8");
  writeFileSync(path, text.slice(0, -3) + 'X}\n'); // last record's bytes changed, newline present
  const { journal: after, seen } = reopen(path);
  expect(after.report.records).toBe(1);
  expect(after.report.tornBytes).toBeGreaterThan(0);
  expect(seen.has("b")).toBe(false);
  await after.close();
});

test("damage in the middle is skipped and counted, never cut: the records after it are kept", async () => {
  const path = join(dir, "j");
  const { journal } = reopen(path);
  journal.append("a", { n: 1 });
  journal.append("b", { n: 2 });
  journal.append("c", { n: 3 });
  await journal.close();
  const lines = readFileSync(path, "utf8").split("\n");
  lines[1] = (lines[1] as string).replace('"n":2', '"n":9'); // checksum no longer matches
  writeFileSync(path, lines.join("\n"));
  const size = statSync(path).size;
  const { journal: after, seen } = reopen(path);
  expect(after.report).toEqual({ records: 2, tornBytes: 0, skipped: 1 });
  expect(seen.get("c")).toEqual({ n: 3 });
  expect(seen.has("b")).toBe(false);
  expect(statSync(path).size).toBe(size);
  await after.close();
});

test("compaction keeps one record per key with its latest value, bounds the file, and keeps read() working", async () => {
  const path = join(dir, "j");
  const { journal } = reopen(path, { compactBytes: 20_000 });
  const keys = 20;
  for (let round = 0; round < 200; round++) {
    for (let k = 0; k < keys; k++) journal.append(`key${k}`, { round, pad: "y".repeat(40) });
    await journal.flush();
  }
  // 4,000 records of ~90 bytes were appended; compaction leaves about one per key
  expect(journal.bytes).toBeLessThan(2 * 20_000 + keys * 100);
  await journal.compact();
  expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toHaveLength(keys);
  expect(journal.read("key7")).toEqual({ round: 199, pad: "y".repeat(40) });
  journal.append("key7", { round: 200 });
  await journal.close();
  expect(readdirSync(dir)).toEqual(["j"]); // no temp file left
  const { journal: again, seen } = reopen(path);
  expect(again.report).toEqual({ records: keys + 1, tornBytes: 0, skipped: 0 });
  expect(seen.get("key7")).toEqual({ round: 200 });
  expect(seen.get("key19")).toEqual({ round: 199, pad: "y".repeat(40) });
  await again.close();
});

test("compaction of a journal larger than its 1 MiB copy window keeps every key's latest value", async () => {
  const path = join(dir, "j");
  const { journal } = reopen(path, { compactBytes: 1 << 30 });
  const pad = "p".repeat(500);
  for (let version = 0; version < 2; version++) {
    for (let k = 0; k < 3000; k++) journal.append(`k${k}`, { version, k, pad });
    await journal.flush();
  }
  expect(journal.bytes).toBeGreaterThan(3 * 1024 * 1024);
  await journal.compact();
  expect(journal.bytes).toBeLessThan(2 * 1024 * 1024);
  expect(journal.read("k2999")).toEqual({ version: 1, k: 2999, pad });
  await journal.close();
  const { journal: again, seen } = reopen(path);
  expect(again.report).toEqual({ records: 3000, tornBytes: 0, skipped: 0 });
  for (const k of [0, 1234, 2999]) expect(seen.get(`k${k}`)).toEqual({ version: 1, k, pad });
  await again.close();
});

// ---- the store on the journal ----

const account = (id: string): AccountRecord => ({ id, status: "valid", jwk: { kty: "EC", crv: "P-256", x: "x", y: "y" }, thumbprint: `t-${id}`, contact: [], createdAt: "2026-01-01T00:00:00.000Z" });
const authz = (id: string, status: AuthzRecord["status"]): AuthzRecord => ({ id, accountId: "acct1", identifier: { type: "dns", value: "localhost" }, status, expires: "2030-01-01T00:00:00.000Z", challenges: [] });
const order = (id: string, status: OrderRecord["status"], certId?: string): OrderRecord => ({
  id,
  accountId: "acct1",
  status,
  expires: "2030-01-01T00:00:00.000Z",
  identifiers: [{ type: "dns", value: "localhost" }],
  authzIds: [`z${id}`],
  createdAt: "2026-01-01T00:00:00.000Z",
  ...(certId ? { certId } : {}),
});
const cert = (id: string, orderId: string): CertRecord => ({ id, accountId: "acct1", orderId, serial: `${id}ab`.replace(/[^0-9a-f]/g, "a"), chainPem: "PEM", notAfter: "2030-01-01T00:00:00.000Z" });

test("finished orders leave memory once durable (their authorizations and certificates too) and are read back from disk; a restart sees them all", async () => {
  const home = join(dir, "home");
  mkdirSync(home);
  const store = new FileAcmeStore(home, { retainFinished: 5 });
  store.putAccount(account("acct1"));
  for (let i = 0; i < 50; i++) {
    store.putAuthz(authz(`zo${i}`, "pending"));
    store.putOrder(order(`o${i}`, "pending"));
    store.putAuthz(authz(`zo${i}`, "valid"));
    store.putCert(cert(`c${i}`, `o${i}`));
    store.putOrder(order(`o${i}`, "valid", `c${i}`));
    await store.flush();
  }
  const inMemory = store.memoryCounts();
  expect(inMemory.orders).toBeLessThanOrEqual(6);
  expect(inMemory.authzs).toBeLessThanOrEqual(6);
  expect(inMemory.certs).toBeLessThanOrEqual(6);
  expect(store.getOrder("o3")).toEqual(order("o3", "valid", "c3")); // from disk
  expect(store.getAuthz("zo3")?.status).toBe("valid");
  expect(store.getCert("c3")?.orderId).toBe("o3");
  expect(store.findCertBySerial(cert("c3", "o3").serial)?.id).toBe("c3");
  expect([...store.ordersOf("acct1")]).toHaveLength(50);
  expect(store.counts()).toEqual({ accounts: 1, orders: 50, certificates: 50, revoked: 0 });
  // a change to a forgotten object brings it back and is durable like any other
  store.putCert({ ...cert("c3", "o3"), revoked: { at: "2026-02-01T00:00:00.000Z", reason: 1 } });
  await store.close();

  const again = new FileAcmeStore(home, { retainFinished: 5 });
  try {
    expect(again.memoryCounts().orders).toBeLessThanOrEqual(5);
    expect(again.counts()).toEqual({ accounts: 1, orders: 50, certificates: 50, revoked: 1 });
    expect(again.getOrder("o49")?.status).toBe("valid");
    expect(again.getAccount("acct1")?.thumbprint).toBe("t-acct1");
  } finally {
    await again.close();
  }
});

test("a home in the earlier layout (one JSON file per object) is migrated into the journal and the files are removed", async () => {
  const home = join(dir, "home");
  const legacy = join(home, "acme");
  for (const kind of ["accounts", "orders", "authz", "certs"]) mkdirSync(join(legacy, kind), { recursive: true });
  writeFileSync(join(legacy, "accounts", "acct1.json"), JSON.stringify(account("acct1")));
  writeFileSync(join(legacy, "orders", "o1.json"), JSON.stringify(order("o1", "pending")));
  writeFileSync(join(legacy, "authz", "zo1.json"), JSON.stringify(authz("zo1", "pending")));
  writeFileSync(join(legacy, "certs", "junk.json"), "{not json");
  const store = new FileAcmeStore(home);
  try {
    expect(store.getOrder("o1")?.status).toBe("pending");
    expect(store.findAccountByThumbprint("t-acct1")?.id).toBe("acct1");
    expect(store.skipped).toEqual([join(legacy, "certs", "junk.json")]); // unreadable: reported and kept
  } finally {
    await store.close();
  }
  expect(readdirSync(legacy).sort()).toEqual(["certs", "state.journal"]);
  expect(readdirSync(join(legacy, "certs"))).toEqual(["junk.json"]);
  const again = new FileAcmeStore(home);
  expect(again.getAuthz("zo1")?.status).toBe("pending");
  await again.close();
});

test("the store survives a torn journal tail: the account written before it is kept", async () => {
  const home = join(dir, "home");
  mkdirSync(home);
  const store = new FileAcmeStore(home);
  store.putAccount(account("acct1"));
  await store.close();
  const path = acmeJournalPath(home);
  const size = statSync(path).size;
  appendFileSync(path, journalLine("order:o1", order("o1", "pending")).subarray(0, 30));
  const again = new FileAcmeStore(home);
  try {
    expect(again.journalReport.tornBytes).toBe(30);
    expect(again.getAccount("acct1")?.status).toBe("valid");
    expect(again.getOrder("o1")).toBeUndefined();
    expect(statSync(path).size).toBe(size);
  } finally {
    await again.close();
  }
  truncateSync(path, 0);
});

test("compaction forgets the keys `keep` declines: not copied, read() finds nothing, onForgotten names them, a reopen never sees them", async () => {
  const path = join(dir, "j");
  const forgotten: string[][] = [];
  const asked: string[] = [];
  const journal = new Journal(path, {
    keep: (key, value) => {
      asked.push(key);
      return !(key.startsWith("old:") && (value() as { n: number }).n < 3);
    },
    onForgotten: (keys) => forgotten.push(keys),
  });
  for (let n = 0; n < 5; n++) journal.append(`old:${n}`, { n });
  journal.append("acct:1", { n: 0 });
  await journal.flush();
  await journal.compact();
  expect(asked.sort()).toEqual(["acct:1", "old:0", "old:1", "old:2", "old:3", "old:4"]);
  expect(forgotten).toEqual([["old:0", "old:1", "old:2"]]);
  expect(journal.read("old:1")).toBeUndefined();
  expect(journal.read("old:3")).toEqual({ n: 3 });
  expect(journal.keys).toBe(3);
  journal.append("old:0", { n: 9 }); // a forgotten key may be written again
  await journal.close();
  const { seen } = reopen(path);
  expect([...seen.keys()]).toEqual(["old:3", "old:4", "acct:1", "old:0"]);
  expect(seen.get("old:0")).toEqual({ n: 9 });
});
