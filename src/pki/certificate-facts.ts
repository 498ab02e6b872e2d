/**
 * The facts the certificate index, `status` and `renew` need about an issued (leaf) certificate,
 * read from the certificate itself: serial, names, profile, key type, validity, fingerprints and the
 * key identifier of the CA that signed it. Pure: bytes in, facts out.
 */
import type { KeyObject } from "node:crypto";
import { certificatePem } from "./certificate.js";
import { userError } from "./errors.js";
import { publicKeyFingerprint } from "./keys.js";
import { classifyNames, type NameSet } from "./names.js";
import type { ParsedCertificate } from "./x509/certificate.js";
import { EKU } from "./x509/oids.js";
import { readCertificate } from "./x509/read.js";
import { sanNames, toHex } from "./x509/index.js";

/** "server" and "client" are regcert's leaf profiles; "ca" and "other" are reported, never renewed. */
export type CertificateKind = "server" | "client" | "ca" | "other";

export interface CertificateFacts {
  pem: string;
  der: Uint8Array;
  /** lower-case hex, as regcert prints serials */
  serialHex: string;
  /** SHA-256 of the certificate DER, lower-case hex (what `openssl x509 -fingerprint -sha256` shows, without colons) */
  fingerprint: string;
  /** SHA-256 of the SubjectPublicKeyInfo: equal for a certificate and its private key */
  publicKeyFingerprint: string;
  publicKey: KeyObject;
  profile: CertificateKind;
  names: NameSet;
  commonName: string | undefined;
  /** "ecdsa-p256", "rsa-2048", … */
  keyAlgorithm: string;
  notBefore: Date;
  notAfter: Date;
  /** the authorityKeyIdentifier's keyIdentifier, hex; undefined when absent */
  authorityKeyId: string | undefined;
}

function profileOf(cert: ParsedCertificate): CertificateKind {
  if (cert.basicConstraintsValid && cert.isCa) return "ca";
  if (cert.extKeyUsage.includes(EKU.serverAuth)) return "server";
  if (cert.extKeyUsage.includes(EKU.clientAuth)) return "client";
  return "other";
}

/** The index/status view of a parsed certificate (no second parse). */
export function certificateFacts(cert: ParsedCertificate, what = "the certificate"): CertificateFacts {
  const publicKey = cert.publicKey.key;
  if (!publicKey) throw userError("regcert.unsupportedKey", `${what} has a ${cert.publicKey.algorithm} key, which Node 20 cannot load`, "use an ECDSA, RSA or Ed25519 key");
  const names = sanNames(cert);
  return {
    pem: certificatePem(cert.der),
    der: cert.der,
    serialHex: cert.serialHex.replace(/^(00)+(?=.)/, ""),
    fingerprint: cert.fingerprint,
    publicKeyFingerprint: publicKeyFingerprint(publicKey),
    publicKey,
    profile: profileOf(cert),
    names: classifyNames([...names.dns, ...names.ip]),
    commonName: cert.subjectCommonName,
    keyAlgorithm: cert.publicKey.algorithm,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    authorityKeyId: cert.authorityKeyId ? toHex(cert.authorityKeyId) : undefined,
  };
}

/**
 * Reads the first certificate of a PEM (or a DER) text with the strict reader. Throws a user error
 * naming `what` (and Go's reason) when it cannot.
 */
export function readCertificateFacts(input: string | Uint8Array, what = "the certificate"): CertificateFacts {
  return certificateFacts(readCertificate(input, what), what);
}
