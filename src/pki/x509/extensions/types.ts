/** The contract of an extension parser: registered by OID, it reads one extension value into the model. */
import type { ParsedCertificate, RawExtension } from "../certificate.js";

export interface ExtensionParser {
  oid: string;
  /** the extension's name in RFC 5280's words ("basicConstraints") */
  name: string;
  /**
   * Reads `ext.value` (the OCTET STRING contents) into `cert` with Go's rules; throws
   * CertificateParseError with Go's text. Returns false when Go would leave a critical one "unhandled".
   */
  parse(ext: RawExtension, cert: ParsedCertificate): boolean;
}
