/**
 * The model from user input: PEM or DER text in, ParsedCertificate out, and every Go parse failure turned
 * into a user error (exit 2) that names the defect in Go's words. What inspect, verify's inputs, the CA
 * loader and the index all call.
 */
import { sanitizeForTerminal } from "../../text/sanitize.js";
import { RegcertError } from "../errors.js";
import { decodePemOrDer } from "../pem.js";
import { parseCertificate, type ParsedCertificate } from "./certificate.js";
import { CertificateParseError } from "./errors.js";

/** The user error for a certificate Go cannot parse: the code stays "regcert.badCertificate". */
export function badCertificate(what: string, error: unknown): RegcertError {
  const reason = error instanceof CertificateParseError ? error.message : error instanceof RegcertError ? error.message : "not DER";
  // Go's texts quote certificate content (a dnsName constraint, …): escaped before any terminal sees them
  return new RegcertError("regcert.badCertificate", sanitizeForTerminal(`${what} is not a valid X.509 certificate: ${reason} (Go clients cannot load it)`), {
    exitCode: 2,
    hint: "re-issue it (regcert issue / regcert init-ca); `openssl asn1parse -i -in FILE` shows the encoding",
    cause: error,
  });
}

/** Parses DER with Go's rules; a parse failure is a user error naming `what` and the defect. */
export function parseCertificateOrUserError(der: Uint8Array, what = "the certificate"): ParsedCertificate {
  try {
    return parseCertificate(der);
  } catch (error) {
    throw badCertificate(what, error);
  }
}

/** The first certificate of a PEM text (or a DER), parsed; user errors name `what`. */
export function readCertificate(input: string | Uint8Array, what = "the certificate"): ParsedCertificate {
  const der = decodePemOrDer(input, ["CERTIFICATE"], what)[0] as Uint8Array;
  return parseCertificateOrUserError(der, what);
}
