/**
 * Certificate signing requests (PKCS#10, RFC 2986): made for our own keys, and read from others with
 * their self-signature checked over the exact signed bytes. Only the public key and the names of a
 * CSR are ever used; the extensions it asks for are ignored (our profile decides).
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Attributes, CertificationRequest, CertificationRequestInfo } from "@peculiar/asn1-csr";
import { Attribute, AlgorithmIdentifier, Extensions, Name, SubjectAlternativeName, SubjectPublicKeyInfo, id_ce_subjectAltName } from "@peculiar/asn1-x509";
import { derSequence, derTlv, elementBytes, readChildren, readElement } from "./der.js";
import { RegcertError, userError } from "./errors.js";
import { OID_COMMON_NAME, OID_ORGANIZATION, encodeName, type SubjectFields } from "./certificate.js";
import { subjectAltNameExtension } from "./extensions.js";
import { describeKey, signWith, signatureSchemeFor, spkiDer } from "./keys.js";
import { classifyNames, type NameSet } from "./names.js";
import { decodePemOrDer, toPem } from "./pem.js";

const OID_EXTENSION_REQUEST = "1.2.840.113549.1.9.14";

export interface CsrOptions {
  privateKey: KeyObject;
  subject: SubjectFields;
  /** requested SANs, carried in an extensionRequest attribute (informational: the signer decides) */
  names: NameSet;
}

export function createCsr(options: CsrOptions): { pem: string; der: Uint8Array } {
  const attributes = new Attributes();
  if (options.names.dns.length + options.names.ip.length > 0) {
    const extensions = AsnConvert.parse(derSequence(subjectAltNameExtension(options.names)), Extensions);
    attributes.push(new Attribute({ type: OID_EXTENSION_REQUEST, values: [AsnConvert.serialize(extensions)] }));
  }
  const info = new CertificationRequestInfo({
    version: 0,
    subject: AsnConvert.parse(encodeName(options.subject), Name),
    subjectPKInfo: AsnConvert.parse(spkiDer(options.privateKey), SubjectPublicKeyInfo),
    attributes,
  });
  const infoDer = new Uint8Array(AsnConvert.serialize(info));
  const scheme = signatureSchemeFor(options.privateKey);
  const signature = signWith(scheme, options.privateKey, infoDer);
  const der = derSequence(infoDer, scheme.algorithmIdentifier, derTlv(0x03, Uint8Array.of(0), signature));
  return { pem: toPem("CERTIFICATE REQUEST", der), der };
}

export interface ParsedCsr {
  der: Uint8Array;
  publicKey: KeyObject;
  subject: SubjectFields;
  /** SANs from the extensionRequest, normalised; empty when the CSR asks for none */
  names: NameSet;
  /** OIDs of every extension the CSR asked for (all ignored except the SAN) */
  requestedExtensions: string[];
  /** SAN entries of other kinds (email, URI, …) that a registry certificate does not carry, e.g. "email:a@b.example" */
  droppedNames: string[];
}

/** Signature algorithms accepted on CSRs. SHA-1 and RSASSA-PSS are refused with a reason. */
const CSR_SIGNATURES: Record<string, "sha256" | "sha384" | "sha512" | null> = {
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.3.101.112": null,
};

/** Reads a CSR (PEM or DER) and checks its self-signature. Throws a user error naming `what` on any problem. */
export function parseCsr(input: string | Uint8Array, what = "the CSR"): ParsedCsr {
  const blocks = decodePemOrDer(input, ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"], what);
  const der = blocks[0] as Uint8Array;
  let request: CertificationRequest;
  let infoDer: Uint8Array;
  try {
    request = AsnConvert.parse(der, CertificationRequest);
    const first = readChildren(der, readElement(der))[0];
    if (!first) throw new Error("empty CSR");
    infoDer = elementBytes(der, first);
  } catch (error) {
    throw new RegcertError("regcert.badCsr", `${what} is not a valid PKCS#10 certificate request`, { exitCode: 2, hint: "give a PEM CSR (BEGIN CERTIFICATE REQUEST), e.g. from openssl req -new", cause: error });
  }
  const algorithm = (request.signatureAlgorithm as AlgorithmIdentifier).algorithm;
  if (!(algorithm in CSR_SIGNATURES)) {
    const why = algorithm === "1.2.840.113549.1.1.10" ? "RSASSA-PSS" : algorithm.endsWith(".1.5") || algorithm === "1.2.840.10045.4.1" ? "SHA-1" : `algorithm ${algorithm}`;
    throw userError("regcert.badCsr", `${what} is signed with ${why}, which regcert does not accept`, "make the CSR with SHA-256 (openssl req -new -sha256 …)");
  }
  const info = request.certificationRequestInfo;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(AsnConvert.serialize(info.subjectPKInfo)), format: "der", type: "spki" });
  } catch (error) {
    throw new RegcertError("regcert.badCsr", `${what} carries a public key that cannot be read`, { exitCode: 2, hint: "make the CSR with an ECDSA P-256/P-384 or RSA key (openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256)", cause: error });
  }
  let valid = false;
  try {
    valid = cryptoVerify(CSR_SIGNATURES[algorithm] ?? null, infoDer, { key: publicKey, dsaEncoding: "der" }, Buffer.from(request.signature));
  } catch {
    valid = false;
  }
  if (!valid) throw userError("regcert.badCsrSignature", `${what} has an invalid self-signature: it was altered or signed by another key`, "make the CSR again with the key it names");
  const requestedExtensions: string[] = [];
  const droppedNames: string[] = [];
  let names: NameSet = { dns: [], ip: [] };
  for (const attribute of info.attributes) {
    if (attribute.type !== OID_EXTENSION_REQUEST) continue;
    for (const value of attribute.values) {
      for (const ext of AsnConvert.parse(value, Extensions)) {
        requestedExtensions.push(ext.extnID);
        if (ext.extnID !== id_ce_subjectAltName) continue;
        const san = AsnConvert.parse(ext.extnValue, SubjectAlternativeName);
        const hosts = san.flatMap((g) => (g.dNSName !== undefined ? [g.dNSName] : g.iPAddress !== undefined ? [g.iPAddress] : []));
        for (const g of san) {
          if (g.rfc822Name !== undefined) droppedNames.push(`email:${g.rfc822Name}`);
          else if (g.uniformResourceIdentifier !== undefined) droppedNames.push(`URI:${g.uniformResourceIdentifier}`);
          else if (g.dNSName === undefined && g.iPAddress === undefined) droppedNames.push("a non-DNS/IP name");
        }
        names = classifyNames(hosts);
      }
    }
  }
  const attr = (oid: string) => {
    for (const rdn of info.subject) for (const atv of rdn) if (atv.type === oid) return atv.value.toString();
    return undefined;
  };
  return { der, publicKey, subject: { commonName: attr(OID_COMMON_NAME), organization: attr(OID_ORGANIZATION) }, names, requestedExtensions, droppedNames };
}

/** Refuses leaf keys that clients reject: RSA below 2048 bits (Apple, modern OpenSSL levels), odd curves. */
export function assertAcceptableLeafKey(key: KeyObject, what: string): void {
  const { type, bits, algorithm } = describeKey(key);
  if (type === "rsa" && bits < 2048) throw userError("regcert.weakKey", `${what} has a ${bits}-bit RSA key; clients require at least 2048 bits`, "make a new key: openssl genrsa 2048, or let regcert issue make one");
  if (type === "ec" && bits !== 256 && bits !== 384) throw userError("regcert.unsupportedKey", `${what} uses ${algorithm}, which registry clients do not all accept`, "use ECDSA P-256 or P-384, or RSA 2048+");
  if (type === "other") throw userError("regcert.unsupportedKey", `${what} uses a ${algorithm} key`, "use ECDSA P-256 or P-384, or RSA 2048+");
}
