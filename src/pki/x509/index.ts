/**
 * src/pki/x509: the one strict reader of X.509. der-reader.ts has the typed DER primitives (shared with
 * the CSR model), certificate.ts the ParsedCertificate model, extensions/ one parser per family
 * registered by OID, views.ts the derived views (IP texts, usage names, key identifiers).
 */
export * from "./der-reader.js";
export { CertificateParseError } from "./errors.js";
export { parseCertificate, type ParsedCertificate, type RawExtension } from "./certificate.js";
export { parseName, type NameAttribute, type ParsedName } from "./name.js";
export { parsePublicKey, signatureAlgorithmName, SIGNATURE_ALGORITHMS, type PublicKeyInfo, type PublicKeyKind } from "./public-key.js";
export { EXTENSION_PARSERS, type ExtensionParser } from "./extensions/index.js";
export { KEY_USAGE_BITS, KU_CERT_SIGN } from "./extensions/key-usage.js";
export { domainNameValid, type IpNet, type ParsedNameConstraints } from "./extensions/name-constraints.js";
export { OID, EKU, ekuName, OID_COMMON_NAME, OID_ORGANIZATION } from "./oids.js";
export * from "./views.js";
export { badCertificate, parseCertificateOrUserError, readCertificate } from "./read.js";
