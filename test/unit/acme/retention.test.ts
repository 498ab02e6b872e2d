/**
 * Journal compaction forgets orders and authorisations that are finished or expired and whose expiry
 * is older than the retention (30 days), so a long-running server's journal and id tables stop
 * growing (RFC 8555 §7.1.3 lets a server forget expired orders). With a fake clock shared by the
 * protocol and the store: orders made, the clock moved past the retention, compaction run. Then: the
 * journal is smaller and lacks exactly the old orders and authorisations; their URLs answer 404 with
 * the same problem document as an id that never existed; newer orders, the account and the
 * certificates still work (download, revocation: acme-client; openssl verifies the chain); a server
 * started again on the compacted journal sees the same. A store opened on a journal with such records
 * forgets them by itself.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRootCa } from "../../../src/pki/ca.js";
import { createAcmeServer, type AcmeServer } from "../../../src/acme/server.js";
import { ACME_RETENTION_MS, FileAcmeStore, acmeJournalPath, forgettable } from "../../../src/acme/file-store.js";
import { readJournal } from "../../../src/files/journal.js";
import type { AuthzRecord, OrderRecord } from "../../../src/acme/types.js";
import {
  completeHttp01,
  finalizeAndDownload,
  newAcmeClient,
  postAsGet,
  startHttp01Responder,
  trustAcmeCa,
  type AcmeAnswer,
  type AcmeClient,
  type Http01Responder,
} from "../../helpers/acme.js";
import { openssl } from "../../helpers/openssl.js";
import { freePort } from "../../helpers/ports.js";

const DAY = 86_400_000;
const ca = createRootCa({ commonName: "retention test CA" });
let home: string;
let responder: Http01Responder;
let offset = 0;
const now = () => new Date(Date.now() + offset);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "regcert-acme-retention-"));
  responder = await startHttp01Responder();
  trustAcmeCa(ca.certificatePem);
});
afterAll(async () => {
  await responder.close();
  rmSync(home, { recursive: true, force: true });
});

function start(port: number): { server: AcmeServer; store: FileAcmeStore; listening: Promise<{ directoryUrl: string }> } {
  const store = new FileAcmeStore(home, { now }); // the default retention: 30 days
  const server = createAcmeServer({ ca: ca.issuer, store, allowDns: ["localhost"], httpPort: responder.port, now });
  return { server, store, listening: server.listen(port, "127.0.0.1") };
}

/** A whole order for localhost: the finalized order (its URL, authorizations and certificate URL) and the chain. */
async function validOrder(client: AcmeClient) {
  const order = await client.createOrder({ identifiers: [{ type: "dns", value: "localhost" }] });
  const authzs = await client.getAuthorizations(order);
  for (const authz of authzs) await completeHttp01(client, authz, responder);
  const chain = await finalizeAndDownload(client, order, ["localhost"]);
  return { order: await client.getOrder(order), authzUrls: authzs.map((a) => a.url), chain };
}

const notFound = (answer: AcmeAnswer, detail: string) => {
  expect(answer.status).toBe(404);
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ type: "urn:ietf:params:acme:error:malformed", detail, status: 404 });
};

test("orders and authorisations past the retention are forgotten at compaction (404 no such order); accounts, certificates and newer orders stay, also after a restart", async () => {
  const port = await freePort();
  let running = start(port);
  const { directoryUrl } = await running.listening;
  try {
    const client = await newAcmeClient(directoryUrl);
    const accountUrl = client.getAccountUrl();
    // day 0: a valid order (A) and one left pending (B); day 20: another valid order (D)
    const a = await validOrder(client);
    const b = await client.createOrder({ identifiers: [{ type: "dns", value: "localhost" }] });
    const bAuthz = (await client.getAuthorizations(b))[0]?.url as string;
    offset = 20 * DAY;
    const d = await validOrder(client);
    // day 38: A and B expired on day 7, over 30 days ago; D expired on day 27, within the retention
    offset = 38 * DAY;
    const c = await client.createOrder({ identifiers: [{ type: "dns", value: "localhost" }] });

    const path = acmeJournalPath(home);
    await running.store.flush();
    const before = statSync(path).size;
    expect(running.store.counts()).toMatchObject({ accounts: 1, orders: 4, certificates: 2 });
    const orderKey = (url: string) => `order:${url.split("/").pop()}`;
    const authzKey = (url: string) => `authz:${url.split("/").pop()}`;
    expect(readJournal(path).has(orderKey(a.order.url))).toBe(true);

    await running.store.compact();
    const after = statSync(path).size;
    expect(after).toBeLessThan(before);
    const kept = readJournal(path);
    for (const gone of [orderKey(a.order.url), orderKey(b.url), ...a.authzUrls.map(authzKey), authzKey(bAuthz)]) expect(kept.has(gone)).toBe(false);
    for (const stays of [orderKey(d.order.url), orderKey(c.url), ...d.authzUrls.map(authzKey), `acct:${accountUrl.split("/").pop()}`]) expect(kept.has(stays)).toBe(true);
    expect([...kept.keys()].filter((k) => k.startsWith("cert:"))).toHaveLength(2);
    expect(running.store.counts()).toMatchObject({ accounts: 1, orders: 2, certificates: 2 });
    expect(running.store.memoryCounts().orders).toBeLessThanOrEqual(2);

    // forgotten objects answer exactly as ids that never existed
    const unknown = (kind: string) => `${directoryUrl.replace(/\/directory$/, "")}/${kind}/AAAAAAAAAAAAAAAAAAAAAA`;
    for (const url of [a.order.url, b.url]) notFound(await postAsGet(client, url), "no such order");
    notFound(await postAsGet(client, unknown("order")), "no such order");
    for (const url of [...a.authzUrls, bAuthz]) notFound(await postAsGet(client, url), "no such authorization");
    notFound(await postAsGet(client, unknown("authz")), "no such authorization");
    expect(await postAsGet(client, `${accountUrl}/orders`)).toMatchObject({ status: 200, body: { orders: [d.order.url, c.url] } });
    expect(await postAsGet(client, d.order.url)).toMatchObject({ status: 200, body: { status: "valid" } });
    expect(await postAsGet(client, c.url)).toMatchObject({ status: 200, body: { status: "pending" } });

    // the certificate of a forgotten order: still downloadable, openssl verifies it, and it can be revoked
    expect(a.order.certificate).toBeDefined();
    const chain = await client.getCertificate(a.order);
    expect(chain).toBe(a.chain);
    const file = join(home, "a.pem");
    writeFileSync(file, chain);
    const caFile = join(home, "test-ca.crt");
    writeFileSync(caFile, ca.certificatePem);
    const verified = await openssl(["verify", "-CAfile", caFile, "-purpose", "sslserver", "-verify_hostname", "localhost", file]);
    expect(verified.stdout.trim()).toBe(`${file}: OK`);
    await client.revokeCertificate(a.chain, { reason: 4 });
    await expect(client.revokeCertificate(a.chain)).rejects.toThrow(/was revoked at/);

    // a server started again reads the compacted journal: the same answers, nothing compacted again
    await running.server.close();
    const compacted = readFileSync(path);
    // the server's own HTTPS certificate is made at start with the server's clock: real time, or the client refuses it as not yet valid
    offset = 0;
    running = start(port);
    await running.listening;
    offset = 38 * DAY;
    expect(running.store.counts()).toEqual({ accounts: 1, orders: 2, certificates: 2, revoked: 1 });
    notFound(await postAsGet(client, a.order.url), "no such order");
    expect(await postAsGet(client, d.order.url)).toMatchObject({ status: 200, body: { status: "valid" } });
    expect(await client.getCertificate(a.order)).toBe(a.chain);
    expect(await client.getCertificate(d.order)).toBe(d.chain);
    await running.store.flush();
    expect(readFileSync(path).subarray(0, compacted.length).equals(compacted)).toBe(true); // appended to, not rewritten
  } finally {
    await running.server.close();
    offset = 0;
  }
}, 120_000);

test("a store opened on a journal with records past the retention forgets them by itself; accounts and certificates are never forgotten", async () => {
  const dir = mkdtempSync(join(tmpdir(), "regcert-acme-retention-open-"));
  try {
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    const at = (days: number) => new Date(t0 + days * DAY);
    const first = new FileAcmeStore(dir, { now: () => at(0), lock: false });
    const expires = at(7).toISOString();
    const authz = (id: string, status: AuthzRecord["status"]): AuthzRecord => ({ id, accountId: "acc", identifier: { type: "dns", value: "localhost" }, status, expires, challenges: [] });
    const order = (id: string, status: OrderRecord["status"], authzId: string): OrderRecord => ({ id, accountId: "acc", status, expires, identifiers: [{ type: "dns", value: "localhost" }], authzIds: [authzId], createdAt: at(0).toISOString() });
    first.putAccount({ id: "acc", status: "valid", jwk: { kty: "EC", crv: "P-256", x: "x", y: "y" }, thumbprint: "t", contact: [], createdAt: at(0).toISOString() });
    first.putAuthz(authz("z1", "valid"));
    first.putOrder(order("o1", "valid", "z1"));
    first.putAuthz(authz("z2", "pending"));
    first.putOrder(order("o2", "pending", "z2"));
    first.putCert({ id: "c1", accountId: "acc", orderId: "o1", serial: "0a", chainPem: "PEM", notAfter: at(14).toISOString() });
    await first.close();
    const path = acmeJournalPath(dir);
    const keys = () => [...readJournal(path).keys()].sort();

    // day 30: expired 23 days ago, within the retention: nothing forgotten
    const early = new FileAcmeStore(dir, { now: () => at(30), lock: false });
    await early.close();
    expect(keys()).toEqual(["acct:acc", "authz:z1", "authz:z2", "cert:c1", "order:o1", "order:o2"]);

    // day 38: both orders and their authorisations (the valid one and the pending, expired one) go
    const late = new FileAcmeStore(dir, { now: () => at(38), lock: false });
    await late.close();
    expect(keys()).toEqual(["acct:acc", "cert:c1"]);
    const reopened = new FileAcmeStore(dir, { now: () => at(38), lock: false });
    expect(reopened.getOrder("o1")).toBeUndefined();
    expect(reopened.getAuthz("z2")).toBeUndefined();
    expect(reopened.getCert("c1")).toMatchObject({ orderId: "o1", serial: "0a" });
    expect(reopened.findCertBySerial("0a")?.id).toBe("c1");
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.each([
  ["order valid, expired 31 days ago", "order", { status: "valid", expires: -31 }, true],
  ["order valid, expired 29 days ago", "order", { status: "valid", expires: -29 }, false],
  ["order pending, expired 31 days ago", "order", { status: "pending", expires: -31 }, true],
  ["order ready, expires in 5 days", "order", { status: "ready", expires: 5 }, false],
  ["order invalid, expires in 5 days (finished, not yet expired)", "order", { status: "invalid", expires: 5 }, false],
  ["authz deactivated, expired 40 days ago", "authz", { status: "deactivated", expires: -40 }, true],
  ["authz pending, expired 40 days ago", "authz", { status: "pending", expires: -40 }, true],
  ["authz valid, expired 10 days ago", "authz", { status: "valid", expires: -10 }, false],
  ["an account, however old", "acct", { status: "valid", expires: -400 }, false],
  ["a certificate, however old", "cert", { status: "valid", expires: -400 }, false],
  ["an order without a readable expiry", "order", { status: "valid", expires: Number.NaN }, false],
])("forgettable: %s", (_name, kind, record, expected) => {
  const t = Date.parse("2026-06-01T00:00:00Z");
  const expires = Number.isNaN(record.expires) ? "never" : new Date(t + record.expires * DAY).toISOString();
  expect(forgettable(kind, { status: record.status, expires }, t, ACME_RETENTION_MS)).toBe(expected);
});
