/**
 * SubjectPublicKeyInfo and signature algorithms, named. Go's parsePublicKey rules apply to the key types
 * Go knows (RSA, ECDSA on P-224/256/384/521, Ed25519, X25519, DSA), with its error texts; other keys
 * (Ed448, ML-DSA-44/65/87, …) are named and kept as bytes, never called malformed — Go parses such a
 * certificate too (PublicKeyAlgorithm Unknown) and only fails when asked to verify with it.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { DerReader, TAG, contentOf, decodeOctetAlignedBitString, decodeOid, readSingle, type DerElement } from "./der-reader.js";
import { fail, goRead } from "./errors.js";

export type PublicKeyKind = "rsa" | "ec" | "ed25519" | "ed448" | "x25519" | "dsa" | "ml-dsa" | "unknown";

export interface PublicKeyInfo {
  kind: PublicKeyKind;
  /** the algorithm OID of the SubjectPublicKeyInfo */
  oid: string;
  /** regcert's vocabulary: "ecdsa-p256", "rsa-2048", "ed25519", "ed448", "ml-dsa-65", … or the OID */
  algorithm: string;
  /** RSA modulus bits, EC curve bits, 256 for Ed25519/X25519, 456 for Ed448, 0 when unknown */
  bits: number;
  /** "P-256", … for EC */
  curve?: string;
  /** the subjectPublicKey BIT STRING contents (what RFC 5280 key identifiers hash) */
  keyBytes: Uint8Array;
  /** a node:crypto key when Node can load this key type; undefined otherwise (ML-DSA on Node 20, DSA, …) */
  key: KeyObject | undefined;
  /** ML-DSA only: the FIPS 204 parameter set ("ML-DSA-65") */
  parameterSet?: string;
  /** ML-DSA only: the raw public key (the BIT STRING contents), for a pluggable verifier */
  raw?: Uint8Array;
}

const CURVES: Record<string, [string, number]> = {
  "1.3.132.0.33": ["P-224", 224],
  "1.2.840.10045.3.1.7": ["P-256", 256],
  "1.3.132.0.34": ["P-384", 384],
  "1.3.132.0.35": ["P-521", 521],
};

const ML_DSA: Record<string, string> = {
  "2.16.840.1.101.3.4.3.17": "ml-dsa-44",
  "2.16.840.1.101.3.4.3.18": "ml-dsa-65",
  "2.16.840.1.101.3.4.3.19": "ml-dsa-87",
};

/** Parses a whole SubjectPublicKeyInfo DER (the SEQUENCE element). Throws CertificateParseError with Go's text. */
export function parsePublicKey(spki: Uint8Array): PublicKeyInfo {
  const outer = goRead("x509: malformed spki", () => DerReader.inside(spki, readSingle(spki, TAG.SEQUENCE)));
  const ai = goRead("x509: malformed public key algorithm identifier", () => outer.enter(TAG.SEQUENCE));
  const oid = goRead("x509: malformed OID", () => decodeOid(ai.content(ai.read(TAG.OID))));
  const params: DerElement | undefined = ai.empty ? undefined : goRead("x509: malformed parameters", () => ai.read());
  const keyBytes = goRead("x509: malformed subjectPublicKey", () => decodeOctetAlignedBitString(outer.content(outer.read(TAG.BIT_STRING))));
  const paramBytes = params ? ai.whole(params) : new Uint8Array(0);
  const node = (): KeyObject => {
    try {
      return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    } catch {
      return fail("x509: invalid public key");
    }
  };
  switch (oid) {
    case "1.2.840.113549.1.1.1": {
      if (paramBytes.length !== 2 || paramBytes[0] !== 0x05 || paramBytes[1] !== 0x00) fail("x509: RSA key missing NULL parameters");
      const seq = goRead("x509: invalid RSA public key", () => DerReader.inside(keyBytes, readSingle(keyBytes, TAG.SEQUENCE)));
      const n = goRead("x509: invalid RSA modulus", () => seq.content(seq.read(TAG.INTEGER)));
      const e = goRead("x509: invalid RSA public exponent", () => seq.content(seq.read(TAG.INTEGER)));
      goRead("x509: invalid RSA modulus", () => checkIntegerEncoding(n));
      goRead("x509: invalid RSA public exponent", () => checkIntegerEncoding(e));
      if (((n[0] as number) & 0x80) !== 0 || n.every((b) => b === 0)) fail("x509: RSA modulus is not a positive number");
      if (((e[0] as number) & 0x80) !== 0 || e.every((b) => b === 0)) fail("x509: RSA public exponent is not a positive number");
      let start = 0;
      while (start < n.length - 1 && n[start] === 0) start++;
      const bits = (n.length - start - 1) * 8 + (32 - Math.clz32(n[start] as number));
      return { kind: "rsa", oid, algorithm: `rsa-${bits}`, bits, keyBytes, key: node() };
    }
    case "1.2.840.10045.2.1": {
      const curveOid = goRead("x509: invalid ECDSA parameters", () => decodeOid(contentOf(paramBytes, readSingle(paramBytes, TAG.OID))));
      const curve = CURVES[curveOid];
      if (!curve) return fail("x509: unsupported elliptic curve");
      const size = Math.ceil(curve[1] / 8);
      // Go (elliptic.Unmarshal / ecdh) loads only uncompressed points: 0x04 || X || Y
      if (keyBytes[0] !== 0x04 || keyBytes.length !== 1 + 2 * size) fail("x509: failed to unmarshal elliptic curve point");
      return { kind: "ec", oid, algorithm: `ecdsa-${curve[0].replace("-", "").toLowerCase()}`, bits: curve[1], curve: curve[0], keyBytes, key: node() };
    }
    case "1.3.101.112":
      if (params) fail("x509: Ed25519 key encoded with illegal parameters");
      if (keyBytes.length !== 32) fail("x509: wrong Ed25519 public key size");
      return { kind: "ed25519", oid, algorithm: "ed25519", bits: 256, keyBytes, key: node() };
    case "1.3.101.110":
      if (params) fail("x509: X25519 key encoded with illegal parameters");
      return { kind: "x25519", oid, algorithm: "x25519", bits: 256, keyBytes, key: undefined };
    case "1.3.101.113":
      // Go does not know Ed448 (PublicKeyAlgorithm Unknown): the certificate parses, its key is not used
      return { kind: "ed448", oid, algorithm: "ed448", bits: 456, keyBytes, key: tryNode(spki) };
    case "1.2.840.10040.4.1":
      return { kind: "dsa", oid, algorithm: "dsa", bits: 0, keyBytes, key: undefined };
    default: {
      const mlDsa = ML_DSA[oid];
      if (mlDsa) return { kind: "ml-dsa", oid, algorithm: mlDsa, bits: 0, keyBytes, key: tryNode(spki), parameterSet: mlDsa.toUpperCase(), raw: keyBytes };
      return { kind: "unknown", oid, algorithm: oid, bits: 0, keyBytes, key: undefined };
    }
  }
}

function checkIntegerEncoding(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new Error("empty");
  if (bytes.length > 1 && ((bytes[0] === 0 && ((bytes[1] as number) & 0x80) === 0) || (bytes[0] === 0xff && ((bytes[1] as number) & 0x80) !== 0))) throw new Error("not minimal");
}

function tryNode(spki: Uint8Array): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch {
    return undefined;
  }
}

/** Signature algorithm OIDs by name (RFC 4055, 5758, 8410, FIPS 204 / draft-ietf-lamps-dilithium-certificates). */
export const SIGNATURE_ALGORITHMS: Record<string, string> = {
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
  "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
  "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
  "1.2.840.113549.1.1.10": "rsassaPss",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
  "1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
  "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
  "2.16.840.1.101.3.4.3.17": "ML-DSA-44",
  "2.16.840.1.101.3.4.3.18": "ML-DSA-65",
  "2.16.840.1.101.3.4.3.19": "ML-DSA-87",
};

export const signatureAlgorithmName = (oid: string): string => SIGNATURE_ALGORITHMS[oid] ?? oid;
