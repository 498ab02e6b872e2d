/**
 * The ACME protocol (RFC 8555, with RFC 8737 tls-alpn-01 and RFC 8738 IP identifiers) as a function
 * from a request to a response: no sockets here (server.ts owns them), state through an AcmeStore,
 * challenge checks through a Validator, and issuance through the one engine: signCsr (src/pki/issue.ts),
 * the same call `regcert sign` makes, so the CSR policy, profile and name constraints are the same.
 */
import { randomBytes, X509Certificate } from "node:crypto";
import type { JWK } from "jose";
import { parseCsr } from "../pki/csr.js";
import { isRegcertError } from "../pki/errors.js";
import { signCsr, type IssuedCertificate } from "../pki/issue.js";
import type { Issuer } from "../pki/issuer.js";
import { ipToBytes } from "../pki/names.js";
import { parsePemBlocks } from "../pki/pem.js";
import { readCsr, type ParsedCsr } from "../pki/x509/csr.js";
import { acceptablePublicJwk, jwkThumbprint, parseJws, publicKeySpki, readProtectedHeader, verifyJwsSignature, type ProtectedHeader, type PublicJwk } from "./jws.js";
import { NoncePool } from "./nonces.js";
import { checkIdentifiers, type AllowList } from "./policy.js";
import { AcmeProblem, problem } from "./problems.js";
import type { AcmeStore } from "./store.js";
import { CHALLENGE_TYPES, type AccountRecord, type AuthzRecord, type CertRecord, type ChallengeRecord, type ChallengeType, type Identifier, type OrderRecord } from "./types.js";
import type { Validator } from "./validators.js";

export interface AcmeRequest {
  method: string;
  /** path and query, e.g. "/acme/new-order" */
  path: string;
  contentType?: string | undefined;
  body: Buffer;
}

export interface AcmeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RateLimit {
  /** new-orders an account may make at once; default 300 */
  burst: number;
  /** new-orders per second an account regains; default 50 */
  perSecond: number;
}

export interface AcmeProtocolOptions {
  issuer: Issuer;
  store: AcmeStore;
  validate: Validator;
  allow: AllowList;
  /** "https://host:port": every URL the server hands out starts with it */
  baseUrl: string;
  /** certificate lifetime; default 7 (capped by the CA's expiry in signCsr) */
  days?: number;
  rateLimit?: Partial<RateLimit>;
  /** validations running at once; default 32 (the rest wait in order) */
  validationConcurrency?: number;
  /** how long a challenge response waits for its validation before answering "processing"; default 1000 ms */
  challengeWaitMs?: number;
  /** called after a certificate is issued and stored (the CLI records it in the home's index) */
  onIssued?: (issued: IssuedCertificate, record: CertRecord) => void | Promise<void>;
  /** called after a revocation is stored */
  onRevoked?: (record: CertRecord) => void | Promise<void>;
  /** the clock (REGCERT_NOW in tests) */
  now?: () => Date;
}

const ORDER_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const PREFIX = "/acme";
const newId = () => randomBytes(12).toString("base64url");
const TOKEN_RE = /^[A-Za-z0-9_-]{22,}$/;

/** RFC 5280 §5.3.1 reason codes a revocation may give (7 is unused). */
const REVOCATION_REASONS = new Set([0, 1, 2, 3, 4, 5, 6, 8, 9, 10]);

const normSerial = (hex: string) => hex.toLowerCase().replace(/^0+(?=.)/, "");

class Semaphore {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

export class AcmeProtocol {
  readonly nonces = new NoncePool();
  private baseUrl: string;
  private readonly days: number;
  private readonly rate: RateLimit;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly validations: Semaphore;
  /** validations started and not yet finished, so close() can wait for them */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => Date;
  private readonly challengeWaitMs: number;

  constructor(private readonly options: AcmeProtocolOptions) {
    this.challengeWaitMs = options.challengeWaitMs ?? 1000;
    this.baseUrl = options.baseUrl.replace(/\/$/, "");
    this.days = options.days ?? 7;
    this.rate = { burst: options.rateLimit?.burst ?? 300, perSecond: options.rateLimit?.perSecond ?? 50 };
    this.validations = new Semaphore(options.validationConcurrency ?? 32);
    this.now = options.now ?? (() => new Date());
  }

  /** Sets the base URL once the listening port is known. */
  setBaseUrl(url: string): void {
    this.baseUrl = url.replace(/\/$/, "");
  }

  get directoryUrl(): string {
    return `${this.baseUrl}${PREFIX}/directory`;
  }

  /** Re-runs validations a stopped server left "processing" (state is durable; the check is not). */
  resumePending(): void {
    for (const authz of this.options.store.allAuthz()) {
      const challenge = authz.challenges.find((c) => c.status === "processing");
      if (challenge && authz.status === "pending") {
        const account = this.options.store.getAccount(authz.accountId);
        if (account) this.startValidation(authz.id, challenge.type, account);
      }
    }
  }

  /** Waits for running validations (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Waits until every change so far is on disk. Called before the answers a client builds on: account
   * creation and changes, key rollover, authorisation deactivation, certificate issuance, revocation.
   * A new order or a started challenge is not waited for (the journal writes it with the next batch,
   * within milliseconds, and a later durable answer implies it: records are written in order); a crash
   * in between costs the client one order, never a certificate or an account it was told about.
   */
  private durable(): Promise<void> {
    return this.options.store.flush();
  }

  private url(...parts: string[]): string {
    return `${this.baseUrl}${PREFIX}/${parts.join("/")}`;
  }

  async handle(request: AcmeRequest): Promise<AcmeResponse> {
    let response: AcmeResponse;
    try {
      response = await this.route(request);
    } catch (error) {
      if (!(error instanceof AcmeProblem)) process.emitWarning(`acme: ${(error as Error)?.stack ?? String(error)}`);
      return this.problemResponse(error instanceof AcmeProblem ? error : problem("serverInternal", "internal error"));
    }
    return this.withCommonHeaders(response);
  }

  /** A problem document as a response, with a fresh nonce (clients retry badNonce with it). */
  problemResponse(p: AcmeProblem): AcmeResponse {
    return this.withCommonHeaders({ status: p.status, headers: { "content-type": "application/problem+json", ...p.headers }, body: JSON.stringify(p.toDocument()) });
  }

  private withCommonHeaders(response: AcmeResponse): AcmeResponse {
    response.headers["replay-nonce"] = this.nonces.issue();
    response.headers["cache-control"] = "no-store";
    const index = `<${this.directoryUrl}>;rel="index"`;
    response.headers.link = response.headers.link ? `${response.headers.link}, ${index}` : index;
    return response;
  }

  private json(status: number, body: unknown, headers: Record<string, string> = {}): AcmeResponse {
    return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
  }

  private async route(request: AcmeRequest): Promise<AcmeResponse> {
    const path = request.path.split("?")[0] ?? "";
    if (!path.startsWith(`${PREFIX}/`)) throw problem("malformed", `no such resource: ${path.slice(0, 100)}`, { status: 404 });
    const parts = path.slice(PREFIX.length + 1).split("/");
    const [resource = "", id, sub] = parts;
    if (resource === "directory" && parts.length === 1) {
      if (request.method !== "GET") throw problem("malformed", "use GET for the directory", { status: 405 });
      return this.json(200, this.directory());
    }
    if (resource === "new-nonce" && parts.length === 1) {
      if (request.method === "HEAD") return { status: 200, headers: {}, body: "" };
      if (request.method === "GET") return { status: 204, headers: {}, body: "" };
      throw problem("malformed", "use HEAD or GET for new-nonce", { status: 405 });
    }
    if (request.method !== "POST") throw problem("malformed", "ACME resources are read with POST-as-GET (RFC 8555 §6.3)", { status: 405 });
    if ((request.contentType ?? "").split(";")[0]?.trim().toLowerCase() !== "application/jose+json") {
      throw problem("malformed", "the Content-Type of an ACME POST must be application/jose+json", { status: 415 });
    }
    const full = `${this.baseUrl}${path}`;
    switch (resource) {
      case "new-account":
        if (parts.length === 1) return this.newAccount(request, full);
        break;
      case "new-order":
        if (parts.length === 1) return this.newOrder(request, full);
        break;
      case "revoke-cert":
        if (parts.length === 1) return this.revokeCert(request, full);
        break;
      case "key-change":
        if (parts.length === 1) return this.keyChange(request, full);
        break;
      case "acct":
        if (id && parts.length === 2) return this.account(request, full, id);
        if (id && sub === "orders" && parts.length === 3) return this.accountOrders(request, full, id);
        break;
      case "order":
        if (id && parts.length === 2) return this.order(request, full, id);
        if (id && sub === "finalize" && parts.length === 3) return this.finalize(request, full, id);
        break;
      case "authz":
        if (id && parts.length === 2) return this.authz(request, full, id);
        break;
      case "chall":
        if (id && sub && parts.length === 3) return this.challenge(request, full, id, sub);
        break;
      case "cert":
        if (id && parts.length === 2) return this.certificate(request, full, id);
        break;
    }
    throw problem("malformed", `no such resource: ${path.slice(0, 100)}`, { status: 404 });
  }

  directory() {
    return {
      newNonce: this.url("new-nonce"),
      newAccount: this.url("new-account"),
      newOrder: this.url("new-order"),
      revokeCert: this.url("revoke-cert"),
      keyChange: this.url("key-change"),
      meta: { externalAccountRequired: false },
    };
  }

  // ---- authentication (RFC 8555 §6.2–6.5) ----

  private async authenticate(request: AcmeRequest, fullUrl: string, mode: "jwk" | "kid" | "either") {
    const jws = parseJws(request.body);
    const header: ProtectedHeader = readProtectedHeader(jws, true);
    if (!this.nonces.consume(header.nonce as string)) throw problem("badNonce", "the JWS nonce is unknown, expired or already used: get a fresh one from new-nonce");
    if (header.url !== fullUrl) throw problem("unauthorized", `the JWS url ${JSON.stringify(header.url.slice(0, 200))} is not the URL this request was sent to (${fullUrl})`);
    let account: AccountRecord | undefined;
    let jwk: PublicJwk;
    if (header.jwk !== undefined) {
      if (mode === "kid") throw problem("malformed", "this request must be signed with the account key and name it by kid (the account URL)");
      jwk = acceptablePublicJwk(header.jwk);
    } else {
      if (mode === "jwk") throw problem("malformed", "this request must carry the key itself (jwk), not a kid");
      const prefix = this.url("acct", "");
      const kid = header.kid as string;
      account = kid.startsWith(prefix) ? this.options.store.getAccount(kid.slice(prefix.length)) : undefined;
      if (!account) throw problem("accountDoesNotExist", `no account ${JSON.stringify(kid.slice(0, 200))} on this server`);
      if (account.status !== "valid") throw problem("unauthorized", `the account is ${account.status}`);
      jwk = account.jwk;
    }
    const payload = await verifyJwsSignature(jws, header, jwk);
    return { header, payload, account, jwk };
  }

  private requireObject(payload: unknown, what: string): Record<string, unknown> {
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw problem("malformed", `${what} needs a JSON object payload`);
    return payload as Record<string, unknown>;
  }

  // ---- accounts (RFC 8555 §7.3) ----

  private accountView(account: AccountRecord) {
    return { status: account.status, contact: account.contact, orders: this.url("acct", account.id, "orders") };
  }

  private async newAccount(request: AcmeRequest, full: string): Promise<AcmeResponse> {
    const { payload, jwk } = await this.authenticate(request, full, "jwk");
    const body = this.requireObject(payload, "new-account");
    const thumbprint = await jwkThumbprint(jwk);
    const existing = this.options.store.findAccountByThumbprint(thumbprint);
    if (existing) return this.json(200, this.accountView(existing), { location: this.url("acct", existing.id) });
    if (body.onlyReturnExisting === true) throw problem("accountDoesNotExist", "no account exists for this key (onlyReturnExisting)");
    const contact = parseContact(body.contact);
    const account: AccountRecord = { id: newId(), status: "valid", jwk, thumbprint, contact, createdAt: this.now().toISOString() };
    this.options.store.putAccount(account);
    await this.durable();
    return this.json(201, this.accountView(account), { location: this.url("acct", account.id) });
  }

  private ownAccount(account: AccountRecord | undefined, id: string): AccountRecord {
    if (!account || account.id !== id) throw problem("unauthorized", "the kid does not name this account");
    return account;
  }

  private async account(request: AcmeRequest, full: string, id: string): Promise<AcmeResponse> {
    const auth = await this.authenticate(request, full, "kid");
    const account = this.ownAccount(auth.account, id);
    if (auth.payload !== undefined) {
      const body = this.requireObject(auth.payload, "an account update");
      if (body.contact !== undefined) account.contact = parseContact(body.contact);
      if (body.status !== undefined) {
        if (body.status !== "deactivated") throw problem("malformed", "an account's status can only be set to deactivated");
        account.status = "deactivated";
        // RFC 8555 §7.3.6: pending authorisations of a deactivated account are deactivated too
        for (const authz of this.options.store.allAuthz()) {
          if (authz.accountId === account.id && authz.status === "pending") this.options.store.putAuthz({ ...authz, status: "deactivated" });
        }
      }
      this.options.store.putAccount(account);
      await this.durable();
    }
    return this.json(200, this.accountView(account), { location: this.url("acct", account.id) });
  }

  private async accountOrders(request: AcmeRequest, full: string, id: string): Promise<AcmeResponse> {
    const auth = await this.authenticate(request, full, "kid");
    this.ownAccount(auth.account, id);
    return this.json(200, { orders: [...this.options.store.ordersOf(id)].filter((o) => o.status !== "invalid").map((o) => this.url("order", o.id)) });
  }

  private async keyChange(request: AcmeRequest, full: string): Promise<AcmeResponse> {
    const outer = await this.authenticate(request, full, "kid");
    const account = outer.account as AccountRecord;
    const inner = parseJws(JSON.stringify(outer.payload ?? null));
    const innerHeader = readProtectedHeader(inner, false);
    if (innerHeader.jwk === undefined) throw problem("malformed", "key-change: the inner JWS must carry the new key as jwk (RFC 8555 §7.3.5)");
    if (innerHeader.url !== full) throw problem("malformed", "key-change: the inner JWS url must equal the outer one");
    const newJwk = acceptablePublicJwk(innerHeader.jwk);
    const body = this.requireObject(await verifyJwsSignature(inner, innerHeader, newJwk), "key-change's inner JWS");
    if (body.account !== this.url("acct", account.id)) throw problem("unauthorized", "key-change: the inner payload names another account");
    if (typeof body.oldKey !== "object" || body.oldKey === null) throw problem("malformed", "key-change: the inner payload needs oldKey");
    const oldThumbprint = await jwkThumbprint(acceptablePublicJwk(body.oldKey as JWK));
    if (oldThumbprint !== account.thumbprint) throw problem("unauthorized", "key-change: oldKey is not the account's current key");
    const thumbprint = await jwkThumbprint(newJwk);
    const holder = this.options.store.findAccountByThumbprint(thumbprint);
    if (holder) throw problem("conflict", "key-change: the new key already belongs to an account", { headers: { location: this.url("acct", holder.id) } });
    const previous = account.thumbprint;
    account.jwk = newJwk;
    account.thumbprint = thumbprint;
    this.options.store.putAccount(account, previous);
    await this.durable();
    return this.json(200, this.accountView(account), { location: this.url("acct", account.id) });
  }

  // ---- orders and authorisations (RFC 8555 §7.4–7.5) ----

  private takeOrderToken(accountId: string): void {
    const now = Date.now();
    const bucket = this.buckets.get(accountId) ?? { tokens: this.rate.burst, at: now };
    bucket.tokens = Math.min(this.rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate.perSecond);
    bucket.at = now;
    this.buckets.set(accountId, bucket);
    if (bucket.tokens < 1) {
      const wait = Math.ceil((1 - bucket.tokens) / this.rate.perSecond);
      throw problem("rateLimited", `too many new orders from this account: at most ${this.rate.burst} at once and ${this.rate.perSecond} per second`, { headers: { "retry-after": String(Math.max(1, wait)) } });
    }
    bucket.tokens -= 1;
  }

  private async newOrder(request: AcmeRequest, full: string): Promise<AcmeResponse> {
    const auth = await this.authenticate(request, full, "kid");
    const account = auth.account as AccountRecord;
    const body = this.requireObject(auth.payload, "new-order");
    if (body.notBefore !== undefined || body.notAfter !== undefined) {
      // protocol text for the ACME client (it cannot change the server's setting): the fact, not a flag or option
      throw problem("malformed", `notBefore/notAfter are not supported: this server issues certificates valid for ${this.days} days`);
    }
    this.takeOrderToken(account.id);
    const identifiers = checkIdentifiers(body.identifiers, this.options.allow, this.options.issuer.certificate.nameConstraints);
    const now = this.now();
    const expires = new Date(now.getTime() + ORDER_LIFETIME_MS).toISOString();
    const authzIds = identifiers.map((identifier) => {
      const authz: AuthzRecord = {
        id: newId(),
        accountId: account.id,
        identifier,
        status: "pending",
        expires,
        challenges: CHALLENGE_TYPES.map((type) => ({ type, token: randomBytes(32).toString("base64url"), status: "pending" })),
      };
      this.options.store.putAuthz(authz);
      return authz.id;
    });
    const order: OrderRecord = { id: newId(), accountId: account.id, status: "pending", expires, identifiers, authzIds, createdAt: now.toISOString() };
    this.options.store.putOrder(order);
    return this.json(201, this.orderView(order), { location: this.url("order", order.id) });
  }

  /** Brings a pending order up to date with its authorisations (ready when all are valid). */
  private refreshOrder(order: OrderRecord): OrderRecord {
    if (order.status !== "pending") return order;
    const authzs = order.authzIds.map((id) => this.options.store.getAuthz(id));
    let status: OrderRecord["status"] = "pending";
    if (Date.parse(order.expires) <= this.now().getTime()) status = "invalid";
    else if (authzs.some((a) => !a || (a.status !== "valid" && a.status !== "pending"))) status = "invalid";
    else if (authzs.every((a) => a?.status === "valid")) status = "ready";
    if (status === order.status) return order;
    const failed = authzs.find((a) => a?.status === "invalid")?.challenges.find((c) => c.error)?.error;
    const next: OrderRecord = { ...order, status, ...(status === "invalid" && failed ? { error: failed } : {}) };
    this.options.store.putOrder(next);
    return next;
  }

  private orderView(order: OrderRecord) {
    return {
      status: order.status,
      expires: order.expires,
      identifiers: order.identifiers,
      authorizations: order.authzIds.map((id) => this.url("authz", id)),
      finalize: this.url("order", order.id, "finalize"),
      ...(order.notBefore ? { notBefore: order.notBefore, notAfter: order.notAfter } : {}),
      ...(order.certId ? { certificate: this.url("cert", order.certId) } : {}),
      ...(order.error ? { error: order.error } : {}),
    };
  }

  private ownedOrder(account: AccountRecord | undefined, id: string): OrderRecord {
    const order = this.options.store.getOrder(id);
    if (!order) throw problem("malformed", "no such order", { status: 404 });
    if (order.accountId !== account?.id) throw problem("unauthorized", "this order belongs to another account");
    return order;
  }

  private async order(request: AcmeRequest, full: string, id: string): Promise<AcmeResponse> {
    const auth = await this.authenticate(request, full, "kid");
    const order = this.refreshOrder(this.ownedOrder(auth.account, id));
    return this.json(200, this.orderView(order), { location: this.url("order", order.id) });
  }

  private keyAuthorization(token: string, account: AccountRecord): string {
    return `${token}.${account.thumbprint}`;
  }

  private challengeView(authz: AuthzRecord, challenge: ChallengeRecord) {
    return {
      type: challenge.type,
      url: this.url("chall", authz.id, challenge.type),
      token: challenge.token,
      status: challenge.status,
      ...(challenge.validated ? { validated: challenge.validated } : {}),
      ...(challenge.error ? { error: challenge.error } : {}),
    };
  }

  private authzView(authz: AuthzRecord) {
    // once one challenge is valid, RFC 8555 §7.1.4 lists that one
    const challenges = authz.status === "valid" ? authz.challenges.filter((c) => c.status === "valid") : authz.challenges;
    return { identifier: authz.identifier, status: authz.status, expires: authz.expires, challenges: challenges.map((c) => this.challengeView(authz, c)) };
  }

  private ownedAuthz(account: AccountRecord | undefined, id: string): AuthzRecord {
    const authz = this.options.store.getAuthz(id);
    if (!authz) throw problem("malformed", "no such authorization", { status: 404 });
    if (authz.accountId !== account?.id) throw problem("unauthorized", "this authorization belongs to another account");
    return authz;
  }

  private async authz(request: AcmeRequest, full: string, id: string): Promise<AcmeResponse> {
    const auth = await this.authenticate(request, full, "kid");
    let authz = this.ownedAuthz(auth.account, id);
    if (auth.payload !== undefined) {
      const body = this.requireObject(auth.payload, "an authorization update");
      if (body.status !== "deactivated") throw problem("malformed", "an authorization's status can only be set to deactivated");
      if (authz.status === "pending" || authz.status === "valid") {
        authz = { ...authz, status: "deactivated" };
        this.options.store.putAuthz(authz);
        await this.durable();
      }
    }
    return this.json(200, this.authzView(authz));
  }

  private async challenge(request: AcmeRequest, full: string, authzId: string, type: string): Promise<AcmeResponse> {
    const auth = await this.authenticate(request, full, "kid");
    const account = auth.account as AccountRecord;
    let authz = this.ownedAuthz(account, authzId);
    const challenge = authz.challenges.find((c) => c.type === type);
    if (!challenge) throw problem("malformed", "no such challenge", { status: 404 });
    // a payload (normally {}) asks the server to validate; POST-as-GET only reads (RFC 8555 §7.5.1)
    if (auth.payload !== undefined && authz.status === "pending" && challenge.status === "pending" && !authz.challenges.some((c) => c.status === "processing")) {
      this.requireObject(auth.payload, "a challenge response");
      authz = { ...authz, challenges: authz.challenges.map((c) => (c.type === type ? { ...c, status: "processing" as const } : c)) };
      this.options.store.putAuthz(authz);
      // answer with the outcome when the check is quick (the client's first poll then finds it done:
      // one round trip instead of several, and certbot polls only every few seconds); a slow target
      // gets "processing" after challengeWaitMs, as before, and the check goes on
      await settleWithin(this.startValidation(authz.id, type as ChallengeType, account), this.challengeWaitMs);
      authz = this.options.store.getAuthz(authz.id) ?? authz;
    }
    const current = authz.challenges.find((c) => c.type === type) as ChallengeRecord;
    return this.json(200, this.challengeView(authz, current), { link: `<${this.url("authz", authz.id)}>;rel="up"` });
  }

  private startValidation(authzId: string, type: ChallengeType, account: AccountRecord): Promise<void> {
    const task = this.validations
      .run(async () => {
        const authz = this.options.store.getAuthz(authzId);
        const challenge = authz?.challenges.find((c) => c.type === type);
        if (!authz || !challenge || !TOKEN_RE.test(challenge.token)) return;
        let error: AcmeProblem | undefined;
        try {
          await this.options.validate(type, authz.identifier, challenge.token, this.keyAuthorization(challenge.token, account));
        } catch (e) {
          error = e instanceof AcmeProblem ? e : problem("connection", (e as Error).message);
        }
        const latest = this.options.store.getAuthz(authzId) ?? authz;
        const ok = error === undefined;
        const updated: AuthzRecord = {
          ...latest,
          status: latest.status === "pending" ? (ok ? "valid" : "invalid") : latest.status,
          challenges: latest.challenges.map((c) =>
            c.type === type ? { ...c, status: ok ? "valid" : "invalid", ...(ok ? { validated: this.now().toISOString() } : { error: { ...(error as AcmeProblem).toDocument(), status: 403 } }) } : c,
          ),
        };
        // not waited for: a crash before the journal writes it only means the check runs again (resumePending)
        this.options.store.putAuthz(updated);
      })
      .catch((e: unknown) => process.emitWarning(`acme validation: ${(e as Error)?.message}`));
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
    return task;
  }

  // ---- finalize and certificates (RFC 8555 §7.4, §7.4.2, §7.6) ----

  private async finalize(request: AcmeRequest, full: string, id: string): Promise<AcmeResponse> {
    const auth = await this.authenticate(request, full, "kid");
    const account = auth.account as AccountRecord;
    const body = this.requireObject(auth.payload, "finalize");
    let order = this.refreshOrder(this.ownedOrder(account, id));
    if (order.status !== "ready") throw problem("orderNotReady", `the order is ${order.status}, not ready: every authorization must be valid first`);
    if (typeof body.csr !== "string" || !/^[A-Za-z0-9_-]+$/.test(body.csr)) throw problem("malformed", "finalize needs csr: the base64url DER of a PKCS#10 request");
    const csrDer = new Uint8Array(Buffer.from(body.csr, "base64url"));
    // "processing" before the first await: a second finalize racing this one gets orderNotReady, not a second certificate
    const ready = order;
    this.options.store.putOrder({ ...order, status: "processing" });
    let issued: IssuedCertificate;
    try {
      issued = await this.issue(order, account, csrDer);
    } catch (error) {
      this.options.store.putOrder(ready); // a refused CSR leaves the order ready for a corrected one (RFC 8555 §7.4)
      throw error;
    }
    const cert: CertRecord = {
      id: newId(),
      accountId: account.id,
      orderId: order.id,
      serial: normSerial(issued.serialHex),
      chainPem: `${issued.certificatePem.trimEnd()}\n${this.options.issuer.certificate.pem.trimEnd()}\n`,
      notAfter: issued.notAfter.toISOString(),
    };
    this.options.store.putCert(cert);
    order = { ...order, status: "valid", certId: cert.id, notBefore: issued.notBefore.toISOString(), notAfter: issued.notAfter.toISOString() };
    this.options.store.putOrder(order);
    await this.durable();
    await this.options.onIssued?.(issued, cert);
    return this.json(200, this.orderView(order), { location: this.url("order", order.id) });
  }

  /**
   * The CSR must name exactly the order's identifiers (RFC 8555 §7.4) and not use the account key;
   * then signCsr decides (the one CSR policy: structure, signature, key, names). The comparison first
   * reads the request's DER only (readCsr): the full policy check, which imports the key, then runs
   * once, inside signCsr, instead of twice. Only when the raw names do not match is the request
   * parsed with the policy here, so that a refusal names the difference exactly as before.
   */
  private async issue(order: OrderRecord, account: AccountRecord, csrDer: Uint8Array): Promise<IssuedCertificate> {
    let raw;
    try {
      raw = readCsr(csrDer, "the CSR");
    } catch (error) {
      throw problem("badCSR", isRegcertError(error) ? error.message : "the CSR cannot be read");
    }
    if (!rawNamesMatch(raw, order.identifiers)) this.checkCsrNames(order, csrDer);
    if (Buffer.from(raw.publicKey.raw).equals(publicKeySpki(account.jwk))) {
      throw problem("badCSR", "the CSR uses the account key: certificate keys must differ from the account key (RFC 8555 §11.1)");
    }
    try {
      return signCsr(
        { issuer: this.options.issuer, csr: csrDer, names: { dns: order.identifiers.filter((i) => i.type === "dns").map((i) => i.value), ip: order.identifiers.filter((i) => i.type === "ip").map((i) => i.value) }, days: this.days },
        { now: this.now },
      );
    } catch (error) {
      if (isRegcertError(error)) throw problem(error.code === "regcert.outsideConstraints" ? "rejectedIdentifier" : "badCSR", error.message);
      throw error;
    }
  }

  /** The names check on the policy-parsed CSR: throws badCSR naming what differs (returns if nothing does). */
  private checkCsrNames(order: OrderRecord, csrDer: Uint8Array): void {
    let csr;
    try {
      csr = parseCsr(csrDer, "the CSR");
    } catch (error) {
      throw problem("badCSR", isRegcertError(error) ? error.message : "the CSR cannot be read");
    }
    const wanted = new Set(order.identifiers.map((i) => `${i.type}:${i.value}`));
    const got = new Set([...csr.names.dns.map((d) => `dns:${d}`), ...csr.names.ip.map((i) => `ip:${i}`)]);
    const cn = csr.subject.commonName?.toLowerCase();
    if (cn !== undefined && !wanted.has(`dns:${cn}`) && !wanted.has(`ip:${cn}`)) throw problem("badCSR", `the CSR's common name ${JSON.stringify(cn.slice(0, 80))} is not one of the order's identifiers`);
    if (got.size === 0 && cn !== undefined) got.add(wanted.has(`dns:${cn}`) ? `dns:${cn}` : `ip:${cn}`);
    const missing = [...wanted].filter((n) => !got.has(n));
    const extra = [...got].filter((n) => !wanted.has(n));
    if (missing.length > 0 || extra.length > 0) {
      throw problem("badCSR", `the CSR's names differ from the order's identifiers${extra.length ? `; not in the order: ${extra.join(", ")}` : ""}${missing.length ? `; missing: ${missing.join(", ")}` : ""}`);
    }
  }

  private async certificate(request: AcmeRequest, full: string, id: string): Promise<AcmeResponse> {
    const auth = await this.authenticate(request, full, "kid");
    const cert = this.options.store.getCert(id);
    if (!cert) throw problem("malformed", "no such certificate", { status: 404 });
    if (cert.accountId !== auth.account?.id) throw problem("unauthorized", "this certificate belongs to another account");
    return { status: 200, headers: { "content-type": "application/pem-certificate-chain" }, body: cert.chainPem };
  }

  private async revokeCert(request: AcmeRequest, full: string): Promise<AcmeResponse> {
    const auth = await this.authenticate(request, full, "either");
    const body = this.requireObject(auth.payload, "revoke-cert");
    if (typeof body.certificate !== "string") throw problem("malformed", "revoke-cert needs certificate: the base64url DER of the certificate");
    const reason = body.reason === undefined ? 0 : body.reason;
    if (typeof reason !== "number" || !REVOCATION_REASONS.has(reason)) throw problem("badRevocationReason", `revocation reason ${JSON.stringify(reason)} is not one of 0-6, 8-10 (RFC 5280 §5.3.1)`);
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(Buffer.from(body.certificate, "base64url"));
    } catch {
      throw problem("malformed", "revoke-cert: the certificate cannot be parsed");
    }
    const cert = this.options.store.findCertBySerial(normSerial(x509.serialNumber));
    const leaf = cert && parsePemBlocks(cert.chainPem)[0];
    if (!cert || !leaf || !Buffer.from(leaf.der).equals(x509.raw)) throw problem("malformed", "revoke-cert: this server did not issue that certificate", { status: 404 });
    if (auth.account) {
      if (cert.accountId !== auth.account.id) throw problem("unauthorized", "revoke-cert: the certificate was issued to another account");
    } else {
      const certJwk = x509.publicKey.export({ format: "jwk" }) as PublicJwk;
      if ((await jwkThumbprint(certJwk)) !== (await jwkThumbprint(auth.jwk))) throw problem("unauthorized", "revoke-cert: the jwk is not the certificate's key");
    }
    if (cert.revoked) throw problem("alreadyRevoked", `certificate ${cert.serial} was revoked at ${cert.revoked.at}`);
    const revoked: CertRecord = { ...cert, revoked: { at: this.now().toISOString(), reason } };
    this.options.store.putCert(revoked);
    await this.durable();
    await this.options.onRevoked?.(revoked);
    return { status: 200, headers: {}, body: "" };
  }
}

/** Waits for `task` or `ms`, whichever comes first (the task goes on either way). */
async function settleWithin(task: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([task, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

const ipKey = (ip: string): string | undefined => {
  try {
    return `ip:${Buffer.from(ipToBytes(ip)).toString("hex")}`;
  } catch {
    return undefined;
  }
};

/**
 * True when the CSR's DNS and IP subjectAltNames (and its CN, if any) are exactly the order's
 * identifiers, compared on the raw request: DNS names case-insensitively, addresses as bytes. A false
 * answer is not a refusal: the caller then compares on the policy-parsed names (and explains).
 */
function rawNamesMatch(csr: ParsedCsr, identifiers: Identifier[]): boolean {
  const wanted = new Set(identifiers.map((i) => (i.type === "dns" ? `dns:${i.value}` : ipKey(i.value))));
  const got = new Set<string | undefined>();
  for (const name of csr.subjectAltNames.flat()) {
    if (name.kind === "dns") got.add(`dns:${name.text.toLowerCase()}`);
    else if (name.kind === "ip") got.add(`ip:${Buffer.from(name.bytes).toString("hex")}`);
  }
  const cnAttribute = csr.subject.attributes.find((a) => a.oid === "2.5.4.3");
  if (cnAttribute) {
    if (typeof cnAttribute.value !== "string") return false;
    const cn = cnAttribute.value.toLowerCase();
    const key = wanted.has(`dns:${cn}`) ? `dns:${cn}` : ipKey(cn);
    if (key === undefined || !wanted.has(key)) return false;
    if (got.size === 0) got.add(key);
  }
  return got.size === wanted.size && [...got].every((n) => n !== undefined && wanted.has(n));
}

function parseContact(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((c) => typeof c === "string")) throw problem("malformed", "contact must be an array of strings");
  if (value.length > 10) throw problem("malformed", "at most 10 contacts");
  for (const c of value as string[]) {
    if (!/^mailto:[^\s,;<>]+@[^\s,;<>]+$/.test(c)) throw problem("malformed", `contact ${JSON.stringify(c.slice(0, 100))} is not a mailto: address`);
  }
  return value as string[];
}

export type { Identifier };
