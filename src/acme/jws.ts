/**
 * JWS as ACME uses it (RFC 8555 §6.2): flattened JSON serialisation, a protected header with alg,
 * nonce, url and exactly one of jwk (new-account, revoke-cert by certificate key) or kid (the account
 * URL). The protected header is decoded by `jose` (panva); the signature is checked here with
 * node:crypto on a cached KeyObject (jose 6 verifies through WebCrypto only, whose per-call threadpool
 * round trip was the server's largest CPU cost under load). ACME needs three algorithms, each pinned to
 * its key type below (ES256 P-256, ES384 P-384, RS256 RSA 2048-8192), no crit and no unencoded payload,
 * so the JWS rules left to check are few; test/unit/acme/jws.test.ts judges them against jose's signer.
 * What is ACME-specific (which algorithms and keys an account may use, the nonce, the url) is checked
 * here too, before the signature.
 */
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { decodeProtectedHeader, type JWK } from "jose";
import { problem } from "./problems.js";

/** Account key algorithms this server accepts (Let's Encrypt's set minus EdDSA, which few clients send). */
export const ACCEPTED_ALGORITHMS = ["ES256", "ES384", "RS256"] as const;
export type AcceptedAlgorithm = (typeof ACCEPTED_ALGORITHMS)[number];

export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

export interface ProtectedHeader {
  alg: string;
  nonce?: string;
  url: string;
  jwk?: JWK;
  kid?: string;
}

export interface VerifiedJws {
  header: ProtectedHeader;
  /** the decoded payload; undefined for POST-as-GET (empty payload) */
  payload: unknown;
  /** the JWK that verified the signature (the account's, or the header's jwk) */
  jwk: PublicJwk;
}

export type PublicJwk = { kty: "EC"; crv: string; x: string; y: string } | { kty: "RSA"; n: string; e: string };

/** Parses the request body as a flattened JWS object; malformed problem otherwise. */
export function parseJws(body: Buffer | string): FlattenedJws {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
  } catch {
    throw problem("malformed", "the request body is not JSON (expected a flattened JWS)");
  }
  const v = value as Partial<FlattenedJws> & { signatures?: unknown; header?: unknown };
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw problem("malformed", "the request body is not a JWS object");
  if (v.signatures !== undefined) throw problem("malformed", "JWS general serialisation is not allowed: use the flattened form (RFC 8555 §6.2)");
  if (v.header !== undefined) throw problem("malformed", "JWS unprotected headers are not allowed (RFC 8555 §6.2)");
  if (typeof v.protected !== "string" || typeof v.payload !== "string" || typeof v.signature !== "string") {
    throw problem("malformed", "the JWS needs string members protected, payload and signature");
  }
  return { protected: v.protected, payload: v.payload, signature: v.signature };
}

/** Reads the protected header and checks its shape (not the signature). */
export function readProtectedHeader(jws: FlattenedJws, requireNonce: boolean): ProtectedHeader {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jws) as Record<string, unknown>;
  } catch {
    throw problem("malformed", "the JWS protected header is not base64url-encoded JSON");
  }
  if (typeof header.alg !== "string") throw problem("malformed", "the JWS protected header has no alg");
  if (typeof header.url !== "string") throw problem("malformed", "the JWS protected header has no url (RFC 8555 §6.4)");
  if (requireNonce && typeof header.nonce !== "string") throw problem("badNonce", "the JWS protected header has no nonce (RFC 8555 §6.5)");
  const hasJwk = header.jwk !== undefined;
  const hasKid = header.kid !== undefined;
  if (hasJwk === hasKid) throw problem("malformed", "the JWS protected header must have exactly one of jwk and kid (RFC 8555 §6.2)");
  if (hasKid && typeof header.kid !== "string") throw problem("malformed", "the JWS kid must be a string (the account URL)");
  if (hasJwk && (typeof header.jwk !== "object" || header.jwk === null)) throw problem("malformed", "the JWS jwk must be an object");
  return header as unknown as ProtectedHeader;
}

const bitLength = (b64: string): number => {
  const bytes = Buffer.from(b64, "base64url");
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i) * 8 - Math.clz32(bytes[i] as number) + 24;
};

/**
 * The public members of an account key, after checking that this server accepts the key: ECDSA
 * P-256 or P-384, or RSA of 2048 to 8192 bits. Anything else is badPublicKey (RFC 8555 §6.7).
 */
export function acceptablePublicJwk(jwk: JWK): PublicJwk {
  if (jwk.d !== undefined) throw problem("badPublicKey", "the JWS jwk contains a private key member (d): send the public key only");
  if (jwk.kty === "EC") {
    if (jwk.crv !== "P-256" && jwk.crv !== "P-384") throw problem("badPublicKey", `account keys on curve ${String(jwk.crv)} are not accepted: use P-256 or P-384`);
    if (typeof jwk.x !== "string" || typeof jwk.y !== "string") throw problem("malformed", "the EC jwk lacks x or y");
    return { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
  }
  if (jwk.kty === "RSA") {
    if (typeof jwk.n !== "string" || typeof jwk.e !== "string") throw problem("malformed", "the RSA jwk lacks n or e");
    const bits = bitLength(jwk.n);
    if (bits < 2048 || bits > 8192) throw problem("badPublicKey", `a ${bits}-bit RSA account key is not accepted: use 2048 to 8192 bits`);
    return { kty: "RSA", n: jwk.n, e: jwk.e };
  }
  throw problem("badPublicKey", `account keys of type ${String(jwk.kty)} are not accepted: use ECDSA P-256/P-384 or RSA 2048+`);
}

/** The one algorithm each accepted key type is used with. */
function expectedAlgorithm(jwk: PublicJwk): AcceptedAlgorithm {
  if (jwk.kty === "RSA") return "RS256";
  return jwk.crv === "P-384" ? "ES384" : "ES256";
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of an accepted public key: its required members in lexicographic order. */
export function jwkThumbprintSync(jwk: PublicJwk): string {
  const canonical = jwk.kty === "EC" ? JSON.stringify({ crv: jwk.crv, kty: "EC", x: jwk.x, y: jwk.y }) : JSON.stringify({ e: jwk.e, kty: "RSA", n: jwk.n });
  return createHash("sha256").update(canonical).digest("base64url");
}

export const jwkThumbprint = (jwk: PublicJwk): Promise<string> => Promise.resolve(jwkThumbprintSync(jwk));

/**
 * Imported keys, by the key's members: importing (createPublicKey) costs more than the signature check.
 * KeyObjects, not WebCrypto CryptoKeys: node:crypto verifies synchronously in a few tens of
 * microseconds, where a WebCrypto verify is a threadpool job whose round trip costs more than the
 * check itself (measured with bench/acme.mjs --cpu-prof: the largest CPU item of the server).
 */
const keyCache = new Map<string, { key: KeyObject; spki?: Buffer }>();
const KEY_CACHE_MAX = 10_000;

function cachedKey(jwk: PublicJwk): { key: KeyObject; spki?: Buffer } {
  const id = jwk.kty === "EC" ? `${jwk.crv}:${jwk.x}:${jwk.y}` : `${jwk.n}:${jwk.e}`;
  const cached = keyCache.get(id);
  if (cached) return cached;
  const entry = { key: createPublicKey({ key: jwk, format: "jwk" }) };
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(id, entry);
  return entry;
}

/** The account key as a KeyObject (cached). */
export function publicKeyObject(jwk: PublicJwk): KeyObject {
  return cachedKey(jwk).key;
}

/** The account key's SubjectPublicKeyInfo DER (cached): what a CSR holding the same key carries. */
export function publicKeySpki(jwk: PublicJwk): Buffer {
  const entry = cachedKey(jwk);
  entry.spki ??= entry.key.export({ type: "spki", format: "der" });
  return entry.spki;
}

const B64URL_RE = /^[A-Za-z0-9_-]*$/;
const SIGNATURE_BYTES: Record<string, number> = { ES256: 64, ES384: 96 };

/**
 * Checks the algorithm against the key and the signature (RFC 7515 §5.2 with RFC 7518 §3.3/§3.4:
 * RS256 is RSASSA-PKCS1-v1_5 with SHA-256, ES256/ES384 are ECDSA with the raw r||s signature).
 * `jwk` is the key to verify with (the account's for kid requests). Returns the decoded payload
 * (undefined for an empty payload). No crit header is understood, so one is refused (RFC 7515 §4.1.11).
 */
export async function verifyJwsSignature(jws: FlattenedJws, header: ProtectedHeader, jwk: PublicJwk): Promise<unknown> {
  if (!(ACCEPTED_ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw problem("badSignatureAlgorithm", `JWS algorithm ${header.alg} is not accepted`, { extra: { algorithms: [...ACCEPTED_ALGORITHMS] } });
  }
  if (header.alg !== expectedAlgorithm(jwk)) {
    throw problem("badSignatureAlgorithm", `JWS algorithm ${header.alg} does not fit the ${jwk.kty === "EC" ? jwk.crv : "RSA"} account key (use ${expectedAlgorithm(jwk)})`, {
      extra: { algorithms: [...ACCEPTED_ALGORITHMS] },
    });
  }
  if ((header as unknown as Record<string, unknown>).crit !== undefined) throw problem("malformed", "the JWS crit header names extensions this server does not understand");
  if (!B64URL_RE.test(jws.protected) || !B64URL_RE.test(jws.payload) || !B64URL_RE.test(jws.signature)) throw problem("malformed", "the JWS members must be base64url without padding");
  const signature = Buffer.from(jws.signature, "base64url");
  const input = Buffer.from(`${jws.protected}.${jws.payload}`, "ascii");
  let ok = false;
  try {
    const key = publicKeyObject(jwk);
    const size = SIGNATURE_BYTES[header.alg];
    if (size !== undefined) ok = signature.length === size && verify(header.alg === "ES384" ? "sha384" : "sha256", input, { key, dsaEncoding: "ieee-p1363" }, signature);
    else ok = verify("sha256", input, key, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw problem("malformed", "JWS signature verification failed");
  if (jws.payload.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(jws.payload, "base64url").toString("utf8"));
  } catch {
    throw problem("malformed", "the JWS payload is not JSON");
  }
}
