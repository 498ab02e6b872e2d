/**
 * Passphrase-encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo, PBES2 from RFC 8018) with a KDF
 * strong enough for a CA key at rest: PBKDF2-HMAC-SHA256 at 600,000 iterations (OWASP 2023) and
 * AES-256-CBC. Node's `KeyObject.export({ cipher, passphrase })` writes the same structure with only
 * 2,048 iterations, so the structure is framed here with the DER writers of src/pki/der.ts and
 * node:crypto's pbkdf2/cipher, and read with the strict reader (src/pki/x509/der-reader.ts): no @peculiar
 * module is loaded on the CA key path (start-up of `regcert issue`). The @peculiar schemas of the same
 * structures (src/pki/pbes2-schema.ts, @peculiar/asn1-pkcs8) are the oracle in test/hostile/pkcs8.test.ts.
 * OpenSSL 3.0 (`openssl pkey -passin …`) and Node 20 read what this writes.
 *
 * Reading is bounded: keys from elsewhere (an imported openssl CA) may carry any parameters, and an
 * absurd iteration count must not buy minutes of CPU, so counts above PBKDF2_MAX_ITERATIONS are refused.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, pbkdf2Sync, randomBytes, type KeyObject } from "node:crypto";
import { derSequence, derTlv } from "./der.js";
import { opt, phrase, RegcertError, userError } from "./errors.js";
import { parsePemBlocks, toPem } from "./pem.js";
import { DerReader, TAG, checkInteger, contentOf, decodeOid, readSingle, type DerElement } from "./x509/der-reader.js";

export const OID_PBES2 = "1.2.840.113549.1.5.13";
export const OID_PBKDF2 = "1.2.840.113549.1.5.12";
const PRFS: Record<string, { name: string; hash: string }> = {
  "1.2.840.113549.2.7": { name: "hmacWithSHA1", hash: "sha1" },
  "1.2.840.113549.2.8": { name: "hmacWithSHA224", hash: "sha224" },
  "1.2.840.113549.2.9": { name: "hmacWithSHA256", hash: "sha256" },
  "1.2.840.113549.2.10": { name: "hmacWithSHA384", hash: "sha384" },
  "1.2.840.113549.2.11": { name: "hmacWithSHA512", hash: "sha512" },
};
const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  "2.16.840.1.101.3.4.1.2": { name: "aes-128-cbc", keyLength: 16 },
  "2.16.840.1.101.3.4.1.22": { name: "aes-192-cbc", keyLength: 24 },
  "2.16.840.1.101.3.4.1.42": { name: "aes-256-cbc", keyLength: 32 },
};
const OID_HMAC_SHA256 = "1.2.840.113549.2.9";
const OID_AES256_CBC = "2.16.840.1.101.3.4.1.42";
// DER of the fixed parts regcert writes (X.690 §8.19 OBJECT IDENTIFIER, §8.8 NULL)
const DER_OID_PBES2 = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d);
const DER_OID_PBKDF2 = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c);
const DER_OID_HMAC_SHA256 = Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09);
const DER_OID_AES256_CBC = Uint8Array.of(0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a);
const DER_NULL = Uint8Array.of(0x05, 0x00);

/** The iteration count regcert writes (and the least it calls strong): OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const PBKDF2_ITERATIONS = 600_000;
/** The most a key we read may ask for (about 5 s of CPU here); more is refused as hostile or broken. */
export const PBKDF2_MAX_ITERATIONS = 10_000_000;

export interface EncryptKeyOptions {
  /** PBKDF2 iterations; default and minimum PBKDF2_ITERATIONS (600,000) */
  iterations?: number;
  /** 16 random bytes by default (fixed values are for known-answer tests only) */
  salt?: Uint8Array;
  /** the AES-CBC IV; 16 random bytes by default */
  iv?: Uint8Array;
}

/** What protects an encrypted key, as `openssl asn1parse` would show it. */
export interface KeyEncryptionInfo {
  scheme: "PBES2" | string;
  kdf: "PBKDF2" | string;
  prf: string | undefined;
  iterations: number | undefined;
  cipher: string | undefined;
  /** true when regcert would write the same or stronger: PBKDF2-HMAC-SHA256 ≥ 600,000, AES-256-CBC */
  strong: boolean;
}

/** DER INTEGER of a positive number. */
const derUint = (value: number): Uint8Array => {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  if ((bytes[0] ?? 0x80) & 0x80) bytes.unshift(0);
  return derTlv(TAG.INTEGER, Uint8Array.from(bytes));
};

/** Unsigned value of INTEGER bytes, or Infinity above 2^48 (and for negative numbers). */
function integerValue(bytes: Uint8Array | undefined): number {
  if (!bytes) return NaN;
  if (bytes.length === 0 || ((bytes[0] as number) & 0x80) !== 0) return Infinity;
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  if (bytes.length - start > 6) return Infinity;
  let value = 0;
  for (let i = start; i < bytes.length; i++) value = value * 256 + (bytes[i] as number);
  return value;
}

function assertPassphrase(passphrase: string): void {
  if (passphrase.length === 0) throw userError("regcert.emptySecret", "an empty passphrase is not allowed", "choose a passphrase of at least one character (a long one)");
}

/** DER EncryptedPrivateKeyInfo of `key` under `passphrase` (UTF-8), PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC. */
export function encryptPrivateKey(key: KeyObject, passphrase: string, options: EncryptKeyOptions = {}): Uint8Array {
  assertPassphrase(passphrase);
  const iterations = options.iterations ?? PBKDF2_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < PBKDF2_ITERATIONS || iterations > PBKDF2_MAX_ITERATIONS) {
    throw userError("regcert.weakKdf", `${iterations} PBKDF2 iterations is outside ${PBKDF2_ITERATIONS}–${PBKDF2_MAX_ITERATIONS}`, "re-encrypt the key with regcert ca passphrase");
  }
  const salt = options.salt ?? new Uint8Array(randomBytes(16));
  const iv = options.iv ?? new Uint8Array(randomBytes(16));
  if (salt.length < 8 || iv.length !== 16) throw userError("regcert.badKdfParameters", "the salt must have at least 8 bytes and the IV 16", "re-encrypt the key with regcert ca passphrase");
  const plain = key.export({ type: "pkcs8", format: "der" });
  const derived = pbkdf2Sync(Buffer.from(passphrase, "utf8"), salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", derived, iv);
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  derived.fill(0);
  // EncryptedPrivateKeyInfo (RFC 5958) { PBES2 { PBKDF2-params { salt, count, prf }, AES-256-CBC iv }, data }
  const kdfParams = derSequence(derTlv(TAG.OCTET_STRING, salt), derUint(iterations), derSequence(DER_OID_HMAC_SHA256, DER_NULL));
  const pbes2 = derSequence(derSequence(DER_OID_PBKDF2, kdfParams), derSequence(DER_OID_AES256_CBC, derTlv(TAG.OCTET_STRING, iv)));
  return derSequence(derSequence(DER_OID_PBES2, pbes2), derTlv(TAG.OCTET_STRING, encrypted));
}

/** PEM ("BEGIN ENCRYPTED PRIVATE KEY") of encryptPrivateKey's output. */
export function encryptPrivateKeyPem(key: KeyObject, passphrase: string, options: EncryptKeyOptions = {}): string {
  return toPem("ENCRYPTED PRIVATE KEY", encryptPrivateKey(key, passphrase, options));
}

interface ParsedEncryptedKey {
  info: KeyEncryptionInfo;
  /** set when regcert can decrypt it itself (PBES2 + PBKDF2 + AES-CBC) */
  pbkdf2?: { salt: Uint8Array; iterations: number; hash: string; cipher: string; keyLength: number; iv: Uint8Array };
  data: Uint8Array;
}

function badKey(what: string, cause?: unknown): RegcertError {
  return new RegcertError("regcert.badKey", `${what} is not a readable encrypted private key`, { exitCode: 2, cause, hint: "it should be a PKCS#8 key (BEGIN ENCRYPTED PRIVATE KEY), as openssl writes" });
}

/** AlgorithmIdentifier: the OID and the parameters element, if any. */
function readAlgorithm(buf: Uint8Array, reader: DerReader): { oid: string; params: DerElement | undefined } {
  const alg = reader.enter(TAG.SEQUENCE);
  const oid = decodeOid(contentOf(buf, alg.read(TAG.OID)));
  const params = alg.empty ? undefined : alg.read();
  alg.finish();
  return { oid, params };
}

function parseEncryptedKey(der: Uint8Array, what: string): ParsedEncryptedKey {
  let scheme: { oid: string; params: DerElement | undefined };
  let data: Uint8Array;
  try {
    const epki = DerReader.inside(der, readSingle(der, TAG.SEQUENCE));
    scheme = readAlgorithm(der, epki);
    data = contentOf(der, epki.read(TAG.OCTET_STRING));
    epki.finish();
  } catch (error) {
    throw badKey(what, error);
  }
  const unknown = (name: string): ParsedEncryptedKey => ({ info: { scheme: name, kdf: "unknown", prf: undefined, iterations: undefined, cipher: undefined, strong: false }, data });
  if (scheme.oid !== OID_PBES2 || !scheme.params) return unknown(scheme.oid === OID_PBES2 ? "PBES2" : `PBES1/PKCS#12 (${scheme.oid})`);
  try {
    if (scheme.params.tag !== TAG.SEQUENCE) throw badKey(what);
    const pbes2 = DerReader.inside(der, scheme.params);
    const kdfAlg = readAlgorithm(der, pbes2);
    const cipherAlg = readAlgorithm(der, pbes2);
    pbes2.finish();
    const kdfOid = kdfAlg.oid;
    const cipherOid = cipherAlg.oid;
    const cipher = CIPHERS[cipherOid];
    if (kdfOid !== OID_PBKDF2 || !kdfAlg.params) {
      return { info: { scheme: "PBES2", kdf: kdfOid === "1.3.6.1.4.1.11591.4.11" ? "scrypt" : kdfOid, prf: undefined, iterations: undefined, cipher: cipher?.name ?? cipherOid, strong: false }, data };
    }
    // PBKDF2-params { salt OCTET STRING (otherSource is not supported), iterationCount, keyLength?, prf? }
    if (kdfAlg.params.tag !== TAG.SEQUENCE) throw badKey(what);
    const kdf = DerReader.inside(der, kdfAlg.params);
    const salt = contentOf(der, kdf.read(TAG.OCTET_STRING));
    const countBytes = contentOf(der, kdf.read(TAG.INTEGER));
    checkInteger(countBytes);
    const keyLengthElement = kdf.readOptional(TAG.INTEGER);
    const keyLengthBytes = keyLengthElement && contentOf(der, keyLengthElement);
    if (keyLengthBytes) checkInteger(keyLengthBytes);
    const prfOid = kdf.empty ? "1.2.840.113549.2.7" : readAlgorithm(der, kdf).oid; // RFC 8018: the default PRF is hmacWithSHA1
    kdf.finish();
    const prf = PRFS[prfOid];
    const iterations = integerValue(countBytes);
    const info: KeyEncryptionInfo = {
      scheme: "PBES2",
      kdf: "PBKDF2",
      prf: prf?.name ?? prfOid,
      iterations: Number.isFinite(iterations) ? iterations : undefined,
      cipher: cipher?.name ?? cipherOid,
      strong: prfOid === OID_HMAC_SHA256 && cipherOid === OID_AES256_CBC && iterations >= PBKDF2_ITERATIONS && iterations <= PBKDF2_MAX_ITERATIONS,
    };
    if (!prf || !cipher || !cipherAlg.params) return { info, data };
    if (cipherAlg.params.tag !== TAG.OCTET_STRING) throw badKey(what);
    const iv = contentOf(der, cipherAlg.params);
    const keyLength = keyLengthBytes === undefined ? cipher.keyLength : integerValue(keyLengthBytes);
    if (!(iterations >= 1) || iterations > PBKDF2_MAX_ITERATIONS) {
      throw userError("regcert.badKdfParameters", `${what} asks for ${Number.isFinite(iterations) ? iterations : "an absurd number of"} PBKDF2 iterations; regcert accepts 1 to ${PBKDF2_MAX_ITERATIONS}`, "re-encrypt the key with openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 600000");
    }
    if (iv.length !== 16 || keyLength !== cipher.keyLength) throw badKey(what);
    return { info, data, pbkdf2: { salt, iterations, hash: prf.hash, cipher: cipher.name, keyLength, iv } };
  } catch (error) {
    if (error instanceof RegcertError) throw error;
    throw badKey(what, error);
  }
}

/** Reports how an EncryptedPrivateKeyInfo (DER or PEM) is protected, without decrypting it. */
export function describeEncryptedKey(input: Uint8Array | string, what = "the key"): KeyEncryptionInfo {
  return parseEncryptedKey(encryptedDer(input, what), what).info;
}

function encryptedDer(input: Uint8Array | string, what: string): Uint8Array {
  if (typeof input !== "string") return input;
  const block = parsePemBlocks(input).find((b) => b.label === "ENCRYPTED PRIVATE KEY");
  if (!block) throw badKey(what);
  return block.der;
}

/** True for PEM text holding a passphrase-protected key: PKCS#8 or OpenSSL's traditional "Proc-Type: 4,ENCRYPTED". */
export function isEncryptedKeyPem(pem: string): boolean {
  return pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----") || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

/**
 * Decrypts a passphrase-protected private key (PKCS#8 DER or PEM; traditional OpenSSL PEM through
 * node:crypto). A wrong passphrase is a user error, like an unreadable key.
 */
export function decryptPrivateKey(input: Uint8Array | string, passphrase: string, what = "the key"): KeyObject {
  assertPassphrase(passphrase);
  const wrong = () => userError("regcert.wrongPassphrase", `cannot decrypt ${what}: wrong passphrase`, phrase`check the passphrase (in a ${opt("passphrase")} only the first line counts)`);
  if (typeof input === "string" && !input.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
    try {
      return createPrivateKey({ key: input, format: "pem", passphrase });
    } catch {
      throw wrong();
    }
  }
  const der = encryptedDer(input, what);
  const parsed = parseEncryptedKey(der, what);
  if (!parsed.pbkdf2) {
    // scrypt, PBES1 and other schemes: node:crypto (OpenSSL) knows them and bounds scrypt's memory itself
    try {
      return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8", passphrase });
    } catch {
      throw wrong();
    }
  }
  const { salt, iterations, hash, cipher, keyLength, iv } = parsed.pbkdf2;
  const derived = pbkdf2Sync(Buffer.from(passphrase, "utf8"), salt, iterations, keyLength, hash);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv(cipher, derived, iv);
    plain = Buffer.concat([decipher.update(parsed.data), decipher.final()]);
  } catch {
    throw wrong();
  } finally {
    derived.fill(0);
  }
  try {
    return createPrivateKey({ key: plain, format: "der", type: "pkcs8" });
  } catch {
    throw wrong(); // the padding check passes by chance for 1 wrong passphrase in 256
  } finally {
    plain.fill(0);
  }
}
