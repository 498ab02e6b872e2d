/**
 * Compatibility surface: the Go-rules certificate parser now lives in src/pki/x509/ (one strict reader
 * and one model for every view). Import from there in new code.
 */
import { parseCertificate, type ParsedCertificate } from "../x509/certificate.js";

export {
  CertificateParseError,
  EKU,
  KEY_USAGE_BITS,
  KU_CERT_SIGN,
  OID,
  decodeOid as oidToString,
  domainNameValid,
  ekuName,
  ipTexts,
  keyUsageNames,
  type IpNet,
  type ParsedCertificate,
  type ParsedNameConstraints,
  type PublicKeyInfo,
} from "../x509/index.js";

/** Parses one DER certificate with Go's rules (see src/pki/x509/certificate.ts). */
export const parseCertificateDer = (der: Uint8Array): ParsedCertificate => parseCertificate(der);
