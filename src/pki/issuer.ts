/**
 * The issuing side of a signature: a CA certificate and its private key, parsed and checked once,
 * then reused for every certificate it signs (bulk issuing does this work once, not per leaf).
 */
import { KeyObject, createPrivateKey } from "node:crypto";
import { opt, phrase, RegcertError, userError } from "./errors.js";
import { publicKeyFingerprint, type SignatureScheme } from "./keys.js";
import { isSigner, keySigner, type Signer } from "./signer.js";
import { certificatePem } from "./certificate.js";
import { parseCertificate, type ParsedCertificate } from "./x509/certificate.js";
import { readCertificate, parseCertificateOrUserError } from "./x509/read.js";
import { formatIpNet, keyIdOf, keyUsageNames } from "./x509/views.js";

export interface NameConstraintsInfo {
  permittedDns: string[];
  permittedIp: string[];
  excludedDns: string[];
  excludedIp: string[];
}

/** What regcert needs to know about a CA certificate. */
export interface CaCertificateInfo {
  der: Uint8Array;
  pem: string;
  /** exact DER of the subject Name: becomes the issuer Name of everything this CA signs */
  subjectName: Uint8Array;
  commonName: string | undefined;
  organization: string | undefined;
  /** SKI extension value, or RFC 5280 method 1 over the key when the extension is absent */
  keyId: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  pathLen: number | undefined;
  /** undefined when the certificate has no keyUsage extension (allowed by RFC 5280, warned) */
  keyUsage: string[] | undefined;
  nameConstraints: NameConstraintsInfo | undefined;
  publicKey: KeyObject;
  /** SHA-256 of the certificate DER, lower-case hex */
  fingerprint: string;
}

/** The exact DER of a certificate's subject Name (throws a user error when Go cannot parse the certificate). */
export function rawSubjectName(der: Uint8Array): Uint8Array {
  return parseCertificateOrUserError(der).rawSubject;
}

/** Go's keyUsage bit names in the words regcert's CA checks use ("certSign", "crlSign", …). */
const caKeyUsage = (cert: ParsedCertificate): string[] | undefined => (cert.hasKeyUsage ? keyUsageNames(cert) : undefined);

/** The CA view of a parsed certificate (no second parse). */
export function caCertificateInfo(cert: ParsedCertificate, what = "CA certificate"): CaCertificateInfo {
  const key = cert.publicKey.key;
  if (!key) {
    throw userError("regcert.unsupportedKey", `${what} has a ${cert.publicKey.algorithm} key, which regcert cannot sign with`, "use a CA with an ECDSA, RSA or Ed25519 key");
  }
  const nc = cert.nameConstraints;
  return {
    der: cert.der,
    pem: certificatePem(cert.der),
    subjectName: cert.rawSubject,
    commonName: cert.subjectCommonName,
    organization: cert.subjectOrganization,
    keyId: keyIdOf(cert),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCa: cert.isCa,
    pathLen: cert.maxPathLen >= 0 ? cert.maxPathLen : undefined,
    keyUsage: caKeyUsage(cert),
    nameConstraints: nc
      ? { permittedDns: nc.permittedDns, permittedIp: nc.permittedIp.map(formatIpNet), excludedDns: nc.excludedDns, excludedIp: nc.excludedIp.map(formatIpNet) }
      : undefined,
    publicKey: key,
    fingerprint: cert.fingerprint,
  };
}

/**
 * Parses a CA certificate (PEM or DER) with the strict reader (src/pki/x509). Throws a user error
 * naming `what` and Go's reason when it cannot be read.
 */
export function parseCaCertificate(input: string | Uint8Array, what = "CA certificate"): CaCertificateInfo {
  return caCertificateInfo(readCertificate(input, what), what);
}

export { parseCertificate };

/** A CA ready to sign: its parsed certificate, its signer (file or token key) and the signature scheme that key implies. */
export interface Issuer {
  certificate: CaCertificateInfo;
  signer: Signer;
  /** the CA private key when it is in this process (a file key); undefined for a token key */
  privateKey?: KeyObject | undefined;
  scheme: SignatureScheme;
}

export interface IssuerInput {
  /** the CA certificate, PEM or DER, or already parsed */
  certificate: string | Uint8Array | CaCertificateInfo;
  /**
   * the CA key: a Signer (e.g. a PKCS#11 token key), a private KeyObject, or an unencrypted PEM/DER
   * PKCS#8 (or SEC1/PKCS#1) key
   */
  privateKey: Signer | KeyObject | string | Uint8Array;
}

function toPrivateKey(key: KeyObject | string | Uint8Array): KeyObject {
  if (key instanceof KeyObject) return key;
  try {
    return typeof key === "string" ? createPrivateKey(key) : createPrivateKey({ key: Buffer.from(key), format: "der", type: "pkcs8" });
  } catch (error) {
    throw new RegcertError("regcert.badKey", "the CA private key cannot be read (encrypted or not a private key)", { exitCode: 2, hint: phrase`give the CA key as PEM (with ${opt("passphrase")} if it is encrypted)`, cause: error });
  }
}

/**
 * Checks that the certificate is a CA that may sign certificates and that the key belongs to it, and
 * returns a reusable Issuer. Broken CA state is refused, never repaired.
 */
export function prepareIssuer(input: IssuerInput | Issuer): Issuer {
  if ("scheme" in input) return input;
  const certificate =
    typeof input.certificate === "object" && "subjectName" in input.certificate ? input.certificate : parseCaCertificate(input.certificate);
  const signer = isSigner(input.privateKey) ? input.privateKey : keySigner(toPrivateKey(input.privateKey));
  if (publicKeyFingerprint(signer.publicKey) !== publicKeyFingerprint(certificate.publicKey)) {
    throw userError("regcert.caKeyMismatch", "the CA private key does not belong to the CA certificate", "restore the matching ca.key, or create a new CA with `regcert init-ca --force`");
  }
  if (!certificate.isCa) {
    throw userError("regcert.notCa", "the CA certificate has basicConstraints CA:FALSE (or none): it cannot sign certificates", "use a CA certificate (openssl x509 -text shows CA:TRUE)");
  }
  if (certificate.keyUsage && !certificate.keyUsage.includes("certSign")) {
    throw userError("regcert.notCa", "the CA certificate's keyUsage lacks keyCertSign: clients would reject what it signs", "use a CA certificate whose keyUsage includes Certificate Sign");
  }
  return { certificate, signer, privateKey: "privateKey" in signer ? (signer.privateKey as KeyObject) : undefined, scheme: signer.scheme };
}
