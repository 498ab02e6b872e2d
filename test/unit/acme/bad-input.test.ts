/**
 * The bad-input list, each answered with a problem document of the RFC's type, nothing issued,
 * and the server still serving afterwards. Requests are signed here with jose and handed to the
 * protocol in-process (no sockets), except the validation targets, which are real loopback servers.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import { exportJWK, FlattenedSign, type JWK } from "jose";
import { createRootCa } from "../../../src/pki/ca.js";
import { createCsr } from "../../../src/pki/csr.js";
import { createAcmeServer, type AcmeServer } from "../../../src/acme/server.js";
import { createValidator } from "../../../src/acme/validators.js";
import type { AcmeResponse } from "../../../src/acme/protocol.js";
import { freePort } from "../../helpers/ports.js";

const BASE = "https://unbound.invalid/acme";
const ca = createRootCa({ commonName: "bad-input test CA" });
let server: AcmeServer;
let issuedCount = 0;
let httpPort: number;
let target: Server;
let answer = "";

beforeAll(async () => {
  httpPort = await freePort();
  target = createServer((_req, res) => res.end(answer));
  await new Promise<void>((r) => target.listen(httpPort, "127.0.0.1", r));
  server = createAcmeServer({
    ca: ca.issuer,
    allowDns: ["localhost", "*.test.example"],
    allowIp: ["127.0.0.1/32"],
    httpPort,
    resolve: { "a.test.example": ["127.0.0.1"], "b.test.example": ["127.0.0.1"] },
    validationTimeoutMs: 3_000,
    rateLimit: { burst: 50, perSecond: 5 },
    onIssued: () => void issuedCount++,
  });
});
afterAll(async () => {
  await server.close();
  await new Promise((r) => target.close(r));
});

interface Account {
  key: KeyObject;
  jwk: JWK;
  alg: string;
  kid?: string;
}

async function account(kind: "ec" | "rsa1024" | "p521" | "rsa2048" = "ec"): Promise<Account> {
  const pair =
    kind === "rsa1024" || kind === "rsa2048"
      ? generateKeyPairSync("rsa", { modulusLength: kind === "rsa1024" ? 1024 : 2048 })
      : generateKeyPairSync("ec", { namedCurve: kind === "p521" ? "P-521" : "P-256" });
  const alg = kind.startsWith("rsa") ? "RS256" : kind === "p521" ? "ES512" : "ES256";
  return { key: pair.privateKey, jwk: await exportJWK(pair.publicKey), alg };
}

async function nonce(): Promise<string> {
  const r = await server.protocol.handle({ method: "HEAD", path: "/acme/new-nonce", body: Buffer.alloc(0) });
  return r.headers["replay-nonce"] as string;
}

async function signed(acct: Account, path: string, payload: unknown, header: Record<string, unknown> = {}): Promise<string> {
  const protectedHeader = { alg: acct.alg, nonce: await nonce(), url: `${BASE}/${path}`, ...(acct.kid ? { kid: acct.kid } : { jwk: acct.jwk }), ...header };
  const bytes = new TextEncoder().encode(payload === "" ? "" : JSON.stringify(payload));
  if (acct.alg === "RS256" && (acct.key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    // jose refuses to sign with a short RSA key, as it should: sign by hand, as a careless client would
    const p = Buffer.from(JSON.stringify(protectedHeader)).toString("base64url");
    const b = Buffer.from(bytes).toString("base64url");
    return JSON.stringify({ protected: p, payload: b, signature: sign("sha256", Buffer.from(`${p}.${b}`), acct.key).toString("base64url") });
  }
  const jws = await new FlattenedSign(bytes).setProtectedHeader(protectedHeader as never).sign(acct.key);
  return JSON.stringify(jws);
}

async function post(path: string, body: string, contentType = "application/jose+json"): Promise<AcmeResponse & { json: any }> {
  const r = await server.protocol.handle({ method: "POST", path: `/acme/${path}`, contentType, body: Buffer.from(body) });
  let json: unknown;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { ...r, json };
}

async function register(acct: Account): Promise<Account> {
  const r = await post("new-account", await signed(acct, "new-account", { termsOfServiceAgreed: true }));
  expect(r.status).toBe(201);
  acct.kid = r.headers.location;
  return acct;
}

const pathOf = (url: string) => url.slice(BASE.length + 1);

function expectProblem(r: { status: number; headers: Record<string, string>; json: any }, type: string, status?: number) {
  expect(r.headers["content-type"]).toBe("application/problem+json");
  expect(r.json.type).toBe(`urn:ietf:params:acme:error:${type}`);
  expect(typeof r.json.detail).toBe("string");
  if (status) expect(r.status).toBe(status);
  expect(r.headers["replay-nonce"]).toMatch(/^[A-Za-z0-9_-]{20,}$/);
}

async function stillServing() {
  const r = await server.protocol.handle({ method: "GET", path: "/acme/directory", body: Buffer.alloc(0) });
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body).newOrder).toBe(`${BASE}/new-order`);
}

afterEach(stillServing);

test("malformed JWS: not JSON, missing members, general serialisation, wrong content type, bad signature", async () => {
  expectProblem(await post("new-account", "{not json"), "malformed", 400);
  expectProblem(await post("new-account", JSON.stringify({ protected: "e30", payload: "" })), "malformed");
  expectProblem(await post("new-account", JSON.stringify({ payload: "", signatures: [] })), "malformed");
  const acct = await account();
  expectProblem(await post("new-account", await signed(acct, "new-account", {}), "application/json"), "malformed", 415);
  const body = JSON.parse(await signed(acct, "new-account", {}));
  body.signature = Buffer.from("x".repeat(64)).toString("base64url");
  expectProblem(await post("new-account", JSON.stringify(body)), "malformed");
  const both = await signed(acct, "new-account", {}, { kid: `${BASE}/acct/x` });
  expectProblem(await post("new-account", both), "malformed");
});

test("nonces: a made-up nonce and a replayed one are badNonce; the url must match", async () => {
  const acct = await account();
  expectProblem(await post("new-account", await signed(acct, "new-account", {}, { nonce: "bm90LWEtbm9uY2UtZnJvbS11cw" })), "badNonce", 400);
  const once = await signed(acct, "new-account", {});
  expect((await post("new-account", once)).status).toBe(201);
  expectProblem(await post("new-account", once), "badNonce", 400);
  expectProblem(await post("new-account", await signed(acct, "new-order", {})), "unauthorized", 403);
});

test("account keys: RSA-1024 and P-521 are badPublicKey; a mismatched alg is badSignatureAlgorithm", async () => {
  expectProblem(await post("new-account", await signed(await account("rsa1024"), "new-account", {})), "badPublicKey");
  expectProblem(await post("new-account", await signed(await account("p521"), "new-account", {})), "badPublicKey");
  const rsa = await account("rsa2048");
  const r = await post("new-account", await signed({ ...rsa, alg: "PS256" }, "new-account", {}));
  expectProblem(r, "badSignatureAlgorithm");
  expect(r.json.algorithms).toEqual(["ES256", "ES384", "RS256"]);
});

test("identifiers outside the allow-list, wildcards and IPs typed as dns are rejectedIdentifier, per identifier", async () => {
  const acct = await register(await account());
  const r = await post(
    "new-order",
    await signed(acct, "new-order", { identifiers: [{ type: "dns", value: "registry.evil.example" }, { type: "ip", value: "10.1.2.3" }, { type: "dns", value: "*.test.example" }, { type: "dns", value: "127.0.0.1" }] }),
  );
  expectProblem(r, "rejectedIdentifier", 400);
  expect(r.json.subproblems).toHaveLength(4);
  expect(r.json.subproblems[0].identifier).toEqual({ type: "dns", value: "registry.evil.example" });
  expectProblem(await post("new-order", await signed(acct, "new-order", { identifiers: [{ type: "email", value: "a@b.example" }] })), "unsupportedIdentifier");
});

test("problem documents name neither the server's CLI flags nor its library options: the ACME client cannot set them (issue 11)", async () => {
  const acct = await register(await account());
  const r = await post("new-order", await signed(acct, "new-order", { identifiers: [{ type: "dns", value: "registry.evil.example" }, { type: "ip", value: "10.1.2.3" }] }));
  expectProblem(r, "rejectedIdentifier", 400);
  expect(r.json.subproblems.map((p: { detail: string }) => p.detail)).toEqual(["registry.evil.example is not on this server's allow-list of DNS names", "10.1.2.3 is not on this server's allow-list of IP addresses"]);
  const dated = await post("new-order", await signed(acct, "new-order", { identifiers: [{ type: "dns", value: "a.test.example" }], notAfter: "2030-01-01T00:00:00Z" }));
  expectProblem(dated, "malformed", 400);
  // the server's default lifetime (createAcmeServer days: 7)
  expect(dated.json.detail).toBe("notBefore/notAfter are not supported: this server issues certificates valid for 7 days");
});

async function validatedOrder(acct: Account, names: string[]) {
  const r = await post("new-order", await signed(acct, "new-order", { identifiers: names.map((value) => ({ type: "dns", value })) }));
  expect(r.status).toBe(201);
  for (const url of r.json.authorizations as string[]) {
    const authz = (await post(pathOf(url), await signed(acct, pathOf(url), ""))).json;
    const challenge = authz.challenges.find((c: { type: string }) => c.type === "http-01");
    answer = `${challenge.token}.${createHash("sha256").update(JSON.stringify({ crv: acct.jwk.crv, kty: "EC", x: acct.jwk.x, y: acct.jwk.y })).digest("base64url")}`;
    await post(pathOf(challenge.url), await signed(acct, pathOf(challenge.url), {}));
    await server.protocol.settle();
  }
  return { orderPath: pathOf(r.headers.location as string), finalizePath: pathOf(r.json.finalize) };
}

test("a CSR whose names differ from the order, or that uses the account key, is badCSR; nothing is issued", async () => {
  const acct = await register(await account());
  const { orderPath, finalizePath } = await validatedOrder(acct, ["a.test.example"]);
  expect((await post(orderPath, await signed(acct, orderPath, ""))).json.status).toBe("ready");
  const before = issuedCount;
  const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const csr = (names: string[], key = other) => Buffer.from(createCsr({ privateKey: key, subject: {}, names: { dns: names, ip: [] } }).der).toString("base64url");
  expectProblem(await post(finalizePath, await signed(acct, finalizePath, { csr: csr(["a.test.example", "b.test.example"]) })), "badCSR");
  expectProblem(await post(finalizePath, await signed(acct, finalizePath, { csr: csr(["b.test.example"]) })), "badCSR");
  expectProblem(await post(finalizePath, await signed(acct, finalizePath, { csr: csr(["a.test.example"], acct.key) })), "badCSR");
  expectProblem(await post(finalizePath, await signed(acct, finalizePath, { csr: "AAAA" })), "badCSR");
  expect(issuedCount).toBe(before);
  // two finalizes at once: one certificate, the other is told the order is not ready
  const both = await Promise.all([1, 2].map(async () => post(finalizePath, await signed(acct, finalizePath, { csr: csr(["a.test.example"]) }))));
  expect(both.map((r) => r.status).sort()).toEqual([200, 403]);
  expect(both.find((r) => r.status === 200)?.json.status).toBe("valid");
  expect(issuedCount).toBe(before + 1);
});

test("a challenge answered with the wrong key authorization makes the authorization and order invalid", async () => {
  const acct = await register(await account());
  const r = await post("new-order", await signed(acct, "new-order", { identifiers: [{ type: "dns", value: "b.test.example" }] }));
  const authzPath = pathOf(r.json.authorizations[0]);
  const authz = (await post(authzPath, await signed(acct, authzPath, ""))).json;
  const challenge = authz.challenges.find((c: { type: string }) => c.type === "http-01");
  answer = `${challenge.token}.not-the-account-thumbprint`;
  await post(pathOf(challenge.url), await signed(acct, pathOf(challenge.url), {}));
  await server.protocol.settle();
  const after = (await post(authzPath, await signed(acct, authzPath, ""))).json;
  expect(after.status).toBe("invalid");
  expect(after.challenges.find((c: { type: string }) => c.type === "http-01").error.type).toBe("urn:ietf:params:acme:error:incorrectResponse");
  const orderPath = pathOf(r.headers.location as string);
  expect((await post(orderPath, await signed(acct, orderPath, ""))).json.status).toBe("invalid");
  const fin = pathOf(r.json.finalize);
  expectProblem(await post(fin, await signed(acct, fin, { csr: "AAAA" })), "orderNotReady", 403);
});

test("another account cannot read an order; an unknown kid is accountDoesNotExist", async () => {
  const owner = await register(await account());
  const other = await register(await account());
  const r = await post("new-order", await signed(owner, "new-order", { identifiers: [{ type: "dns", value: "localhost" }] }));
  const orderPath = pathOf(r.headers.location as string);
  expectProblem(await post(orderPath, await signed(other, orderPath, "")), "unauthorized", 403);
  expectProblem(await post("new-order", await signed({ ...owner, kid: `${BASE}/acct/nobody` }, "new-order", {})), "accountDoesNotExist");
});

test("1,000 concurrent new-orders from one account: rate-limited with Retry-After, the server keeps answering", async () => {
  const acct = await register(await account());
  const bodies = await Promise.all(Array.from({ length: 1000 }, () => signed(acct, "new-order", { identifiers: [{ type: "dns", value: "localhost" }] })));
  const results = await Promise.all(bodies.map((b) => post("new-order", b)));
  const created = results.filter((r) => r.status === 201).length;
  const limited = results.filter((r) => r.status === 429);
  expect(created).toBeGreaterThanOrEqual(50);
  expect(created).toBeLessThan(200);
  expect(created + limited.length).toBe(1000);
  expectProblem(limited[0] as never, "rateLimited", 429);
  expect(Number(limited[0]?.headers["retry-after"])).toBeGreaterThanOrEqual(1);
  // another account is not affected
  const other = await register(await account());
  expect((await post("new-order", await signed(other, "new-order", { identifiers: [{ type: "dns", value: "localhost" }] }))).status).toBe(201);
});

describe("validation targets are bounded in time and size", () => {
  let hang: Server;
  let flood: Server;
  let hangPort: number;
  let floodPort: number;
  beforeAll(async () => {
    hangPort = await freePort();
    floodPort = await freePort();
    hang = createServer(() => undefined); // accepts, never answers
    flood = createServer((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
      };
      res.on("drain", pump);
      pump();
    });
    await new Promise<void>((r) => hang.listen(hangPort, "127.0.0.1", r));
    await new Promise<void>((r) => flood.listen(floodPort, "127.0.0.1", r));
  });
  afterAll(async () => {
    hang.closeAllConnections();
    flood.closeAllConnections();
    await new Promise((r) => hang.close(r));
    await new Promise((r) => flood.close(r));
  });

  test("a target that never answers fails as connection within the deadline", async () => {
    const validate = createValidator({ httpPort: hangPort, timeoutMs: 1_500 });
    const started = Date.now();
    await expect(validate("http-01", { type: "ip", value: "127.0.0.1" }, "t".repeat(43), "x")).rejects.toMatchObject({ type: "connection" });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test("a target that streams without end is cut off at the size cap", async () => {
    const validate = createValidator({ httpPort: floodPort, timeoutMs: 10_000, maxBytes: 8192 });
    await expect(validate("http-01", { type: "ip", value: "127.0.0.1" }, "t".repeat(43), "x")).rejects.toMatchObject({ type: "unauthorized", message: expect.stringContaining("larger than 8192 bytes") });
  });

  test("tls-alpn-01 against a plain HTTP port fails as a tls/connection problem", async () => {
    const validate = createValidator({ tlsPort: hangPort, timeoutMs: 1_500 });
    await expect(validate("tls-alpn-01", { type: "dns", value: "localhost" }, "t".repeat(43), "x")).rejects.toMatchObject({ type: expect.stringMatching(/^(tls|connection)$/) });
  });
});
