/**
 * Key pairs through node:crypto (native OpenSSL, synchronous or on the thread pool), never pure JS.
 *
 * ecdsa-p256 is the default: fast to make and accepted by Docker, containerd, podman, Go and OpenSSL.
 * RSA keys use e=65537; Apple platforms require at least 2048 bits (support 103769).
 */
import {
  createPublicKey,
  generateKeyPair as generateKeyPairAsync,
  generateKeyPairSync,
  createHash,
  sign as cryptoSign,
  type KeyObject,
} from "node:crypto";
import { derSequence, derTlv, elementBytes, readChildren, readElement } from "./der.js";
import { DerReader, TAG, decodeOctetAlignedBitString, readSingle } from "./x509/der-reader.js";
import { userError } from "./errors.js";
import { toPem } from "./pem.js";

import { KEY_ALGORITHMS, type KeyAlgorithm } from "./key-types.js";

export { KEY_ALGORITHMS, DEFAULT_KEY_ALGORITHM, type KeyAlgorithm } from "./key-types.js";

/**
 * Ed25519 is an explicit opt-in: Go (Docker, containerd, skopeo, podman, the registry itself) accepts
 * Ed25519 certificates, but browsers (no Ed25519 in the Web PKI), Java before 15 and Apple platforms
 * (Security.framework/SecTrust) refuse them, so a registry UI or a Mac client would fail.
 */
export const ED25519_WARNING =
  "ed25519 is an opt-in: Go clients (Docker, containerd, skopeo, podman) accept it, but browsers, Java before 15 and Apple platforms (macOS/iOS) refuse Ed25519 certificates";

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Validates a --key value, naming the accepted ones when it is unknown. */
export function parseKeyAlgorithm(value: string): KeyAlgorithm {
  const lower = value.trim().toLowerCase();
  if ((KEY_ALGORITHMS as readonly string[]).includes(lower)) return lower as KeyAlgorithm;
  throw userError("regcert.invalidKeyType", `unknown key type "${value}"`, `use one of: ${KEY_ALGORITHMS.join(", ")}`);
}

function keygenArgs(algorithm: KeyAlgorithm): ["ec", { namedCurve: string }] | ["rsa", { modulusLength: number; publicExponent: number }] | ["ed25519", Record<string, never>] {
  switch (algorithm) {
    case "ed25519":
      return ["ed25519", {}];
    case "ecdsa-p256":
      return ["ec", { namedCurve: "prime256v1" }];
    case "ecdsa-p384":
      return ["ec", { namedCurve: "secp384r1" }];
    default:
      return ["rsa", { modulusLength: Number(algorithm.slice(4)), publicExponent: 0x10001 }];
  }
}

/** Generates a key pair synchronously (microseconds for ECDSA; RSA-4096 can take seconds). */
export function generateKeyPairSyncFor(algorithm: KeyAlgorithm): KeyPair {
  const [type, options] = keygenArgs(algorithm);
  return generateKeyPairSync(type as "ec", options as { namedCurve: string });
}

/** Generates a key pair on libuv's thread pool, so a progress indicator can keep running. */
export function generateKeyPair(algorithm: KeyAlgorithm): Promise<KeyPair> {
  const [type, options] = keygenArgs(algorithm);
  return new Promise((resolve, reject) => {
    generateKeyPairAsync(type as "ec", options as { namedCurve: string }, (error, publicKey, privateKey) => {
      if (error) reject(error);
      else resolve({ publicKey, privateKey });
    });
  });
}

/** Unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
export function exportPrivateKeyPem(privateKey: KeyObject): string {
  const ec = ecKeyParts(privateKey);
  if (ec) return toPem("PRIVATE KEY", ec.pkcs8);
  return privateKey.export({ type: "pkcs8", format: "pem" }) as string;
}

export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === "public" ? key : createPublicKey(key);
}

/** DER SubjectPublicKeyInfo (of the public half when given a private key). */
export function spkiDer(key: KeyObject): Uint8Array {
  const ec = ecKeyParts(key);
  if (ec) return ec.spki;
  return new Uint8Array(publicKeyOf(key).export({ type: "spki", format: "der" }));
}

/** What a new key needs encoded, from one export where possible: its SPKI and its PKCS#8 PEM. */
export function encodeKeyPair(keyPair: KeyPair): { spki: Uint8Array; privateKeyPem: string } {
  const ec = ecKeyParts(keyPair.privateKey);
  if (ec) return { spki: ec.spki, privateKeyPem: toPem("PRIVATE KEY", ec.pkcs8) };
  return { spki: spkiDer(keyPair.publicKey), privateKeyPem: exportPrivateKeyPem(keyPair.privateKey) };
}

/*
 * EC private keys, re-framed from their SEC1 export. With OpenSSL 3, KeyObject.export to SPKI or
 * PKCS#8 goes through the generic encoder framework and costs more than signing (~0.26 and ~0.11-0.24
 * ms on this machine class); the SEC1 export is ~4x cheaper and holds everything both need (RFC 5915
 * ECPrivateKey: version, d, [0] named curve, [1] public key). SPKI is RFC 5480's { ecPublicKey + curve,
 * public key }; PKCS#8 (RFC 5208) wraps the ECPrivateKey without [0], exactly as OpenSSL writes it.
 * test/unit/pki/tbs-equivalence.test.ts proves both byte-identical to node:crypto's own exports.
 * (The JWK export would be cheaper still, but on Node 20.20 with OpenSSL 3.0 it deadlocks after a few
 * thousand calls, so it is not used.) Public KeyObjects and other key types take the native path.
 */
const OID_EC_PUBLIC_KEY = Uint8Array.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
const PKCS8_VERSION_0 = Uint8Array.of(0x02, 0x01, 0x00);

function ecKeyParts(key: KeyObject): { spki: Uint8Array; pkcs8: Uint8Array } | undefined {
  if (key.type !== "private" || key.asymmetricKeyType !== "ec") return undefined;
  const sec1 = new Uint8Array(key.export({ type: "sec1", format: "der" }));
  const fields = readChildren(sec1, readElement(sec1));
  const [version, d, parameters, publicKey] = fields;
  if (fields.length !== 4 || version?.tag !== 0x02 || d?.tag !== 0x04 || parameters?.tag !== 0xa0 || publicKey?.tag !== 0xa1) return undefined;
  const curveOid = sec1.subarray(parameters.contentStart, parameters.end);
  if (curveOid[0] !== 0x06) return undefined;
  const algorithmIdentifier = derSequence(OID_EC_PUBLIC_KEY, curveOid);
  const publicKeyBits = sec1.subarray(publicKey.contentStart, publicKey.end);
  const ecPrivateKey = derSequence(elementBytes(sec1, version), elementBytes(sec1, d), elementBytes(sec1, publicKey));
  return { spki: derSequence(algorithmIdentifier, publicKeyBits), pkcs8: derSequence(PKCS8_VERSION_0, algorithmIdentifier, derTlv(0x04, ecPrivateKey)) };
}

export interface KeyDescription {
  /** "ecdsa-p256" … when it is one of ours, otherwise e.g. "rsa-1024", "ed25519", "ecdsa-secp521r1" */
  algorithm: string;
  type: "rsa" | "ec" | "ed25519" | "other";
  bits: number;
}

export function describeKey(key: KeyObject): KeyDescription {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "rsa":
      return { algorithm: `rsa-${details.modulusLength}`, type: "rsa", bits: details.modulusLength ?? 0 };
    case "ec": {
      const curve = details.namedCurve ?? "unknown";
      const named: Record<string, [string, number]> = { prime256v1: ["ecdsa-p256", 256], secp384r1: ["ecdsa-p384", 384], secp521r1: ["ecdsa-p521", 521] };
      const [algorithm, bits] = named[curve] ?? [`ecdsa-${curve}`, 0];
      return { algorithm, type: "ec", bits };
    }
    case "ed25519":
      return { algorithm: "ed25519", type: "ed25519", bits: 256 };
    default:
      return { algorithm: key.asymmetricKeyType ?? "unknown", type: "other", bits: 0 };
  }
}

/** The signature algorithm a CA key signs with: SHA-384 for P-384, SHA-256 otherwise (RFC 5758, RFC 4055). */
export interface SignatureScheme {
  hash: "sha256" | "sha384" | "sha512" | null;
  /** DER AlgorithmIdentifier */
  algorithmIdentifier: Uint8Array;
  oid: string;
}

const ECDSA_SHA256 = Uint8Array.from([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);
const ECDSA_SHA384 = Uint8Array.from([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03]);
const ECDSA_SHA512 = Uint8Array.from([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04]);
const RSA_SHA256 = Uint8Array.from([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00]);
const ED25519 = Uint8Array.from([0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70]);

export function signatureSchemeFor(key: KeyObject): SignatureScheme {
  const { type, bits } = describeKey(key);
  if (type === "ec") {
    if (bits === 521) return { hash: "sha512", algorithmIdentifier: ECDSA_SHA512, oid: "1.2.840.10045.4.3.4" };
    if (bits === 384) return { hash: "sha384", algorithmIdentifier: ECDSA_SHA384, oid: "1.2.840.10045.4.3.3" };
    if (bits === 256) return { hash: "sha256", algorithmIdentifier: ECDSA_SHA256, oid: "1.2.840.10045.4.3.2" };
  }
  if (type === "rsa") return { hash: "sha256", algorithmIdentifier: RSA_SHA256, oid: "1.2.840.113549.1.1.11" };
  if (type === "ed25519") return { hash: null, algorithmIdentifier: ED25519, oid: "1.3.101.112" };
  throw userError("regcert.unsupportedKey", `cannot sign with a ${describeKey(key).algorithm} key`, "use an ECDSA P-256/P-384 or RSA key");
}

/** Signs `data` with the scheme's hash; ECDSA signatures come out DER-encoded as X.509 wants. */
export function signWith(scheme: SignatureScheme, privateKey: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(cryptoSign(scheme.hash, data, { key: privateKey, dsaEncoding: "der" }));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents (SPKI read by the strict reader). */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const outer = DerReader.inside(spki, readSingle(spki, TAG.SEQUENCE));
  outer.read(TAG.SEQUENCE);
  return sha1(decodeOctetAlignedBitString(outer.content(outer.read(TAG.BIT_STRING))));
}

const sha1 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash("sha1").update(data).digest());

/** SHA-256 of the SPKI DER, hex: the fingerprint used to match keys and certificates. */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash("sha256").update(spkiDer(key)).digest("hex");
}
