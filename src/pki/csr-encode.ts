/**
 * PKCS#10 requests for our own keys (RFC 2986), written as DER directly: the CertificationRequestInfo
 * is framed around bytes that are already DER (the Name from encodeName, the SPKI from the key, the SAN
 * extension from extensions.ts), so making a CSR does not load the @peculiar ASN.1 schema stack.
 * test/unit/x509/csr-equivalence.test.ts proves the output byte-identical to the @peculiar/asn1-csr
 * encoding of the same request. Pure: no I/O.
 */
import type { KeyObject } from "node:crypto";
import { encodeName, type SubjectFields } from "./certificate.js";
import { derSequence, derTlv } from "./der.js";
import { subjectAltNameExtension } from "./extensions.js";
import { signWith, signatureSchemeFor, spkiDer } from "./keys.js";
import type { NameSet } from "./names.js";
import { toPem } from "./pem.js";

/** OID 1.2.840.113549.1.9.14 (PKCS#9 extensionRequest), as a DER element. */
const OID_EXTENSION_REQUEST = Uint8Array.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e]);
const VERSION_1 = Uint8Array.from([0x02, 0x01, 0x00]);

/** CertificationRequestInfo: version 0, subject, SPKI, [0] attributes (an extensionRequest with the SAN when there are names). */
export function encodeCertificationRequestInfo(subjectName: Uint8Array, spki: Uint8Array, names: NameSet): Uint8Array {
  const attributes: Uint8Array[] = [];
  if (names.dns.length + names.ip.length > 0) {
    const extensions = derSequence(subjectAltNameExtension(names));
    attributes.push(derSequence(OID_EXTENSION_REQUEST, derTlv(0x31, extensions)));
  }
  return derSequence(VERSION_1, subjectName, spki, derTlv(0xa0, ...attributes));
}

/** A CSR for `privateKey`, self-signed with the scheme the key implies (as createCsr). */
export function encodeCsr(options: { privateKey: KeyObject; subject: SubjectFields; names: NameSet }): { pem: string; der: Uint8Array } {
  const info = encodeCertificationRequestInfo(encodeName(options.subject), spkiDer(options.privateKey), options.names);
  const scheme = signatureSchemeFor(options.privateKey);
  const signature = signWith(scheme, options.privateKey, info);
  const der = derSequence(info, scheme.algorithmIdentifier, derTlv(0x03, Uint8Array.of(0), signature));
  return { pem: toPem("CERTIFICATE REQUEST", der), der };
}
