/**
 * What an answer waits for: account creation, finalize (issuance) and revocation are answered only
 * after the store's flush has resolved (the record is on disk); a new order and a challenge response
 * are answered without waiting for it. Judged with a store whose flush is a gate the test opens.
 * Plus the JWS verification done with node:crypto, against jose's signer: ES256, ES384 and RS256
 * accounts are accepted, a signature over other bytes and a crit header are refused.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { exportJWK, FlattenedSign, type JWK } from "jose";
import { createRootCa } from "../../../src/pki/ca.js";
import { createCsr } from "../../../src/pki/csr.js";
import { createAcmeServer, type AcmeServer } from "../../../src/acme/server.js";
import { MemoryAcmeStore } from "../../../src/acme/store.js";
import type { AcmeResponse } from "../../../src/acme/protocol.js";

const BASE = "https://unbound.invalid/acme";
const ca = createRootCa({ commonName: "durability test CA" });

class GatedStore extends MemoryAcmeStore {
  flushes = 0;
  private waiting: Array<() => void> = [];
  open = true;
  override flush(): Promise<void> {
    this.flushes++;
    if (this.open) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

const store = new GatedStore();
let server: AcmeServer;
beforeAll(() => {
  server = createAcmeServer({ ca: ca.issuer, store, allowDns: ["localhost"], validator: async () => undefined });
});
afterAll(async () => {
  store.open = true;
  store.release();
  await server.close();
});

interface Account {
  key: KeyObject;
  jwk: JWK;
  alg: string;
  kid?: string;
}

async function account(kind: "ES256" | "ES384" | "RS256" = "ES256"): Promise<Account> {
  const pair = kind === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: kind === "ES384" ? "P-384" : "P-256" });
  return { key: pair.privateKey, jwk: await exportJWK(pair.publicKey), alg: kind };
}

async function signed(acct: Account, path: string, payload: unknown, header: Record<string, unknown> = {}): Promise<string> {
  const r = await server.protocol.handle({ method: "HEAD", path: "/acme/new-nonce", body: Buffer.alloc(0) });
  const protectedHeader = { alg: acct.alg, nonce: r.headers["replay-nonce"], url: `${BASE}/${path}`, ...(acct.kid ? { kid: acct.kid } : { jwk: acct.jwk }), ...header };
  const bytes = new TextEncoder().encode(payload === "" ? "" : JSON.stringify(payload));
  return JSON.stringify(await new FlattenedSign(bytes).setProtectedHeader(protectedHeader as never).sign(acct.key));
}

const post = (path: string, body: string): Promise<AcmeResponse> => server.protocol.handle({ method: "POST", path: `/acme/${path}`, contentType: "application/jose+json", body: Buffer.from(body) });
const pathOf = (url: string) => url.slice(BASE.length + 1);

/** Resolves "pending" if the promise has not settled within a short while. */
async function settledWithin<T>(p: Promise<T>, ms = 300): Promise<T | "pending"> {
  return Promise.race([p, new Promise<"pending">((r) => setTimeout(() => r("pending"), ms))]);
}

async function whileGated<T>(request: () => Promise<T>): Promise<T> {
  store.open = false;
  const pending = request();
  expect(await settledWithin(pending)).toBe("pending");
  store.open = true;
  store.release();
  return pending;
}

test("new-account and finalize are answered only once durable; new-order and the challenge are not held", async () => {
  const acct = await account();
  const created = await whileGated(async () => post("new-account", await signed(acct, "new-account", { termsOfServiceAgreed: true })));
  expect(created.status).toBe(201);
  acct.kid = created.headers.location;

  store.open = false;
  const order = await settledWithin(post("new-order", await signed(acct, "new-order", { identifiers: [{ type: "dns", value: "localhost" }] })));
  expect(order).not.toBe("pending");
  const orderJson = JSON.parse((order as AcmeResponse).body) as { authorizations: string[]; finalize: string };
  const authz = JSON.parse((await post(pathOf(orderJson.authorizations[0] as string), await signed(acct, pathOf(orderJson.authorizations[0] as string), ""))).body) as { challenges: Array<{ type: string; url: string }> };
  const challengeUrl = pathOf(authz.challenges.find((c) => c.type === "http-01")?.url as string);
  const challenge = await settledWithin(post(challengeUrl, await signed(acct, challengeUrl, {})));
  expect(challenge).not.toBe("pending");
  expect(JSON.parse((challenge as AcmeResponse).body).status).toBe("valid"); // the validation finished within the wait
  store.open = true;

  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const csr = Buffer.from(createCsr({ privateKey, subject: {}, names: { dns: ["localhost"], ip: [] } }).der).toString("base64url");
  const finalizePath = pathOf(orderJson.finalize);
  const done = await whileGated(async () => post(finalizePath, await signed(acct, finalizePath, { csr })));
  expect(done.status).toBe(200);
  expect(JSON.parse(done.body).status).toBe("valid");
});

test.each(["ES256", "ES384", "RS256"] as const)("a %s account is accepted (node:crypto verifies what jose signed)", async (alg) => {
  const acct = await account(alg);
  const r = await post("new-account", await signed(acct, "new-account", {}));
  expect(r.status).toBe(201);
});

test("a signature over other bytes, a truncated signature and a crit header are refused", async () => {
  const acct = await account();
  const a = JSON.parse(await signed(acct, "new-account", {})) as { protected: string; payload: string; signature: string };
  const b = JSON.parse(await signed(acct, "new-account", { other: true })) as { payload: string };
  const swapped = await post("new-account", JSON.stringify({ ...a, payload: b.payload }));
  expect(swapped.status).toBe(400);
  expect(JSON.parse(swapped.body).detail).toBe("JWS signature verification failed");
  const c = JSON.parse(await signed(acct, "new-account", {})) as { signature: string };
  const truncated = await post("new-account", JSON.stringify({ ...c, signature: c.signature.slice(0, -4) }));
  expect(JSON.parse(truncated.body).detail).toBe("JWS signature verification failed");
  const crit = await post("new-account", await signed(acct, "new-account", {}, { crit: ["b64"], b64: true }));
  expect(JSON.parse(crit.body)).toMatchObject({ type: "urn:ietf:params:acme:error:malformed", detail: "the JWS crit header names extensions this server does not understand" });
});
