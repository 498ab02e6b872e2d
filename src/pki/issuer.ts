/**
 * The issuing side of a signature: a CA certificate and its private key, parsed and checked once,
 * then reused for every certificate it signs (bulk issuing does this work once, not per leaf).
 */
import { KeyObject, createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  BasicConstraints,
  Certificate,
  KeyUsage,
  KeyUsageFlags,
  NameConstraints,
  SubjectKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_subjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { elementBytes, readChildren, readElement } from "./der.js";
import { RegcertError, userError } from "./errors.js";
import { keyIdentifier, publicKeyFingerprint, signatureSchemeFor, type SignatureScheme } from "./keys.js";
import { decodePemOrDer } from "./pem.js";
import { OID_COMMON_NAME, OID_ORGANIZATION, certificatePem } from "./certificate.js";

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

const KEY_USAGE_NAMES: Array<[KeyUsageFlags, string]> = [
  [KeyUsageFlags.digitalSignature, "digitalSignature"],
  [KeyUsageFlags.nonRepudiation, "nonRepudiation"],
  [KeyUsageFlags.keyEncipherment, "keyEncipherment"],
  [KeyUsageFlags.dataEncipherment, "dataEncipherment"],
  [KeyUsageFlags.keyAgreement, "keyAgreement"],
  [KeyUsageFlags.keyCertSign, "certSign"],
  [KeyUsageFlags.cRLSign, "crlSign"],
];

/** The exact DER of a certificate's subject Name (TBS children: [version], serial, signature, issuer, validity, subject, …). */
export function rawSubjectName(der: Uint8Array): Uint8Array {
  const tbsElement = readChildren(der, readElement(der))[0];
  if (!tbsElement) throw new Error("empty certificate");
  const tbs = readChildren(der, tbsElement);
  const subject = tbs[tbs[0]?.tag === 0xa0 ? 5 : 4];
  if (!subject) throw new Error("truncated TBSCertificate");
  return new Uint8Array(elementBytes(der, subject));
}

/** Parses a CA certificate (PEM or DER). Throws a user error naming `what` when it cannot be read. */
export function parseCaCertificate(input: string | Uint8Array, what = "CA certificate"): CaCertificateInfo {
  const der = decodePemOrDer(input, ["CERTIFICATE"], what)[0] as Uint8Array;
  let cert: Certificate;
  let subjectName: Uint8Array;
  try {
    cert = AsnConvert.parse(der, Certificate);
    subjectName = rawSubjectName(der);
  } catch (error) {
    throw new RegcertError("regcert.badCertificate", `${what} is not a valid X.509 certificate`, { exitCode: 2, hint: "give a PEM or DER X.509 CA certificate", cause: error });
  }
  const t = cert.tbsCertificate;
  const ext = (oid: string) => t.extensions?.find((e) => e.extnID === oid);
  const parseExt = <T>(oid: string, type: new () => T): T | undefined => {
    const found = ext(oid);
    return found ? AsnConvert.parse(found.extnValue, type) : undefined;
  };
  const bc = parseExt(id_ce_basicConstraints, BasicConstraints);
  const ku = parseExt(id_ce_keyUsage, KeyUsage);
  const ski = parseExt(id_ce_subjectKeyIdentifier, SubjectKeyIdentifier);
  const nc = parseExt(id_ce_nameConstraints, NameConstraints);
  const spki = new Uint8Array(AsnConvert.serialize(t.subjectPublicKeyInfo));
  const publicKey = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  const attr = (oid: string) => {
    for (const rdn of t.subject) for (const atv of rdn) if (atv.type === oid) return atv.value.toString();
    return undefined;
  };
  const subtrees = (list: NameConstraints["permittedSubtrees"], kind: "dNSName" | "iPAddress") =>
    (list ?? []).map((s) => s.base[kind]).filter((v): v is string => typeof v === "string");
  return {
    der,
    pem: certificatePem(der),
    subjectName,
    commonName: attr(OID_COMMON_NAME),
    organization: attr(OID_ORGANIZATION),
    keyId: ski ? new Uint8Array(ski.buffer) : keyIdentifier(spki),
    notBefore: t.validity.notBefore.getTime(),
    notAfter: t.validity.notAfter.getTime(),
    isCa: bc?.cA === true,
    pathLen: bc?.pathLenConstraint,
    keyUsage: ku ? KEY_USAGE_NAMES.filter(([flag]) => (ku.toNumber() & flag) !== 0).map(([, name]) => name) : undefined,
    nameConstraints: nc
      ? {
          permittedDns: subtrees(nc.permittedSubtrees, "dNSName"),
          permittedIp: subtrees(nc.permittedSubtrees, "iPAddress"),
          excludedDns: subtrees(nc.excludedSubtrees, "dNSName"),
          excludedIp: subtrees(nc.excludedSubtrees, "iPAddress"),
        }
      : undefined,
    publicKey,
    fingerprint: createHash("sha256").update(der).digest("hex"),
  };
}

/** A CA ready to sign: its parsed certificate, its private key and the signature scheme that key implies. */
export interface Issuer {
  certificate: CaCertificateInfo;
  privateKey: KeyObject;
  scheme: SignatureScheme;
}

export interface IssuerInput {
  /** the CA certificate, PEM or DER, or already parsed */
  certificate: string | Uint8Array | CaCertificateInfo;
  /** the CA private key: a KeyObject, or an unencrypted PEM/DER PKCS#8 (or SEC1/PKCS#1) key */
  privateKey: KeyObject | string | Uint8Array;
}

function toPrivateKey(key: KeyObject | string | Uint8Array): KeyObject {
  if (key instanceof KeyObject) return key;
  try {
    return typeof key === "string" ? createPrivateKey(key) : createPrivateKey({ key: Buffer.from(key), format: "der", type: "pkcs8" });
  } catch (error) {
    throw new RegcertError("regcert.badKey", "the CA private key cannot be read (encrypted or not a private key)", { exitCode: 2, hint: "give the CA key as PEM (with --passphrase-file if it is encrypted)", cause: error });
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
  const privateKey = toPrivateKey(input.privateKey);
  if (publicKeyFingerprint(privateKey) !== publicKeyFingerprint(certificate.publicKey)) {
    throw userError("regcert.caKeyMismatch", "the CA private key does not belong to the CA certificate", "restore the matching ca.key, or create a new CA with `regcert init-ca --force`");
  }
  if (!certificate.isCa) {
    throw userError("regcert.notCa", "the CA certificate has basicConstraints CA:FALSE (or none): it cannot sign certificates", "use a CA certificate (openssl x509 -text shows CA:TRUE)");
  }
  if (certificate.keyUsage && !certificate.keyUsage.includes("certSign")) {
    throw userError("regcert.notCa", "the CA certificate's keyUsage lacks keyCertSign: clients would reject what it signs", "use a CA certificate whose keyUsage includes Certificate Sign");
  }
  return { certificate, privateKey, scheme: signatureSchemeFor(privateKey) };
}
