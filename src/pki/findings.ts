/**
 * The one catalogue of findings: every diagnosis `regcert verify` (offline) and `regcert check` (live)
 * can report, keyed by a stable code. Both commands build their findings through `makeFinding`, so a
 * chain judged by verifyChain reads the same in both, and a new diagnosis is one entry here plus a
 * unit test (test/unit/verify/findings.test.ts checks that every entry is used and documented).
 *
 * Each entry holds what does not depend on the case: the default severity, a one-line meaning, and
 * Go's error text where it is fixed (reference/client-errors.md). The message and the fix, which name
 * the certificates, hosts and files involved, are given by the code that finds the problem.
 */

/**
 * error: Go clients refuse (or the registry cannot be reached); warning: Go accepts, stricter
 * clients or a later date may not; note: information; ok: a check that passed (check's report lines).
 */
export type Severity = "error" | "warning" | "note" | "ok";

/** One diagnosis: what was seen and, when it is a problem, the fix. Shared by verify and check. */
export interface Finding {
  /** stable identifier from FINDINGS, e.g. "expired", "noIpSan", "unknownAuthority", "plainHttp" */
  code: string;
  severity: Severity;
  /** what is wrong (or fine), with the values involved */
  message: string;
  /** the concrete next step ("" when there is nothing to do) */
  fix: string;
  /** the error text a Go client (docker, skopeo, podman, containerd) prints for it, when there is one */
  go?: string;
  /** which certificate, for chain findings: "leaf", "intermediate", "root", "CA #2", … */
  certificate?: string;
  /** that certificate's subject, e.g. "CN=registry.local, O=regcert" ("" when unknown) */
  subject?: string;
}

export interface CatalogueEntry {
  severity: Severity;
  /** what the code means, in one line (for documentation and --json consumers) */
  meaning: string;
  /** Go's error text when it does not depend on the case */
  go?: string;
}

const GO_UNKNOWN_AUTHORITY = "x509: certificate signed by unknown authority";
const GO_CANNOT_SIGN = 'x509: certificate signed by unknown authority (possibly because of "x509: invalid signature: parent certificate cannot sign this kind of certificate")';

/** Every finding code. Chain codes come from pki/verify; the rest from registry/diagnose (live check). */
export const FINDINGS = {
  // ── the chain (verifyChain): the same verdict offline and live ────────────────────────────────
  malformed: { severity: "error", meaning: "a certificate of the chain cannot be parsed by Go" },
  malformedCa: { severity: "warning", meaning: "a given CA certificate cannot be parsed by Go and is skipped" },
  noTrustedRoots: { severity: "error", meaning: "no usable CA certificate was given" },
  unknownAuthority: { severity: "error", meaning: "no path from the certificate to a given CA", go: GO_UNKNOWN_AUTHORITY },
  notCa: { severity: "error", meaning: "an issuer of the chain is not a CA", go: GO_CANNOT_SIGN },
  missingCertSign: { severity: "error", meaning: "an issuer's keyUsage lacks keyCertSign", go: GO_CANNOT_SIGN },
  pathLenExceeded: { severity: "error", meaning: "more intermediates than a CA's pathLen allows", go: "x509: too many intermediates for path length constraint" },
  insecureSignature: { severity: "error", meaning: "a signature algorithm Go refuses as insecure (SHA-1, MD5)" },
  unsupportedSignature: { severity: "error", meaning: "a signature algorithm or key Go does not support" },
  postQuantumKey: { severity: "error", meaning: "an ML-DSA (FIPS 204) leaf key: Go parses it, but Go's TLS cannot use it yet" },
  unsupportedKey: { severity: "error", meaning: "a leaf key type Go parses but its TLS cannot use (Ed448)" },
  unhandledCriticalExtension: { severity: "error", meaning: "a critical extension Go does not process", go: "x509: unhandled critical extension" },
  notYetValid: { severity: "error", meaning: "a certificate of the chain is not valid yet" },
  expired: { severity: "error", meaning: "a certificate of the chain has expired" },
  legacyCommonName: { severity: "error", meaning: "the host is only in the Common Name, which Go ignores" },
  noIpSan: { severity: "error", meaning: "an IP host, and the certificate has no IP SAN" },
  ipMismatch: { severity: "error", meaning: "an IP host that is not among the certificate's IP SANs" },
  hostnameMismatch: { severity: "error", meaning: "a host name that is not among the certificate's DNS SANs" },
  incompatibleKeyUsage: { severity: "error", meaning: "the extended key usage does not allow serverAuth", go: "x509: certificate specifies an incompatible key usage" },
  nameConstraints: { severity: "error", meaning: "a name outside a CA's name constraints" },
  // profile rules Go tolerates but stricter verifiers (rustls/webpki, browsers, openssl -x509_strict) refuse: fatal with --strict
  akiIssuerSerial: { severity: "warning", meaning: "the authority key identifier names issuer and serial instead of a key id" },
  akiSkiMismatch: { severity: "warning", meaning: "the authority key identifier differs from the issuer's subject key identifier" },
  akiWithoutKeyId: { severity: "warning", meaning: "the authority key identifier has no key id" },
  basicConstraintsNotCritical: { severity: "warning", meaning: "a CA's basicConstraints is not critical" },
  commonNameNotInSan: { severity: "warning", meaning: "the Common Name is not among the SANs" },
  commonNameSpelling: { severity: "warning", meaning: "the Common Name spells a name differently than the SAN" },
  emptyCaSubject: { severity: "warning", meaning: "a CA with an empty subject" },
  emptyEku: { severity: "warning", meaning: "an extended key usage extension without usages" },
  emptyKeyUsage: { severity: "warning", meaning: "a keyUsage extension without usages" },
  invalidDnsName: { severity: "warning", meaning: "a DNS SAN that is not a valid host name" },
  keyCertSignWithoutCa: { severity: "warning", meaning: "keyCertSign on a certificate that is not a CA" },
  leafIsCa: { severity: "warning", meaning: "the leaf is a CA certificate" },
  missingAki: { severity: "warning", meaning: "no authority key identifier" },
  missingSki: { severity: "warning", meaning: "no subject key identifier" },
  nameConstraintLeadingDot: { severity: "warning", meaning: "a DNS name constraint with a leading dot (RFC 5280 form differs from Go's)" },
  nameConstraintsInLeaf: { severity: "warning", meaning: "name constraints on a certificate that is not a CA" },
  sanCritical: { severity: "warning", meaning: "a critical SAN on a certificate with a subject" },
  sanNotCritical: { severity: "warning", meaning: "a non-critical SAN on a certificate with an empty subject" },
  weakRsaKey: { severity: "warning", meaning: "an RSA key shorter than 2048 bits" },
  // ── the live check: what probe observed (registry/diagnose) ───────────────────────────────────
  loopback: { severity: "note", meaning: "the host is loopback, where dockerd accepts any certificate" },
  connected: { severity: "ok", meaning: "a TCP connection was made" },
  connectTimeout: { severity: "error", meaning: "no TCP connection within the deadline", go: "dial tcp: i/o timeout" },
  connectionRefused: { severity: "error", meaning: "nothing listens on the port" },
  unknownHost: { severity: "error", meaning: "the host name does not resolve" },
  connectFailed: { severity: "error", meaning: "the TCP connection failed otherwise" },
  handshake: { severity: "ok", meaning: "the TLS handshake completed (the chain is judged separately)" },
  handshakeTimeout: { severity: "error", meaning: "the TLS handshake did not finish within the deadline", go: "net/http: TLS handshake timeout" },
  handshakeFailed: { severity: "error", meaning: "the TLS handshake failed" },
  clientCertificateRequired: { severity: "error", meaning: "the registry demands a client certificate (mTLS) it did not get or refused", go: "remote error: tls: bad certificate" },
  plainHttp: { severity: "error", meaning: "the port speaks plain HTTP, not TLS", go: "http: server gave HTTP response to HTTPS client" },
  plainHttpClient: { severity: "note", meaning: "what one client does with a plain-HTTP registry under this machine's settings" },
  notTls: { severity: "error", meaning: "the port speaks neither TLS nor HTTP" },
  noCertificate: { severity: "error", meaning: "the server sent no certificate" },
  trusted: { severity: "ok", meaning: "the served chain leads to a given CA" },
  validity: { severity: "ok", meaning: "days left of the registry certificate (a warning inside 30 days)" },
  nameMatches: { severity: "ok", meaning: "the host is among the certificate's SANs" },
  apiRoot: { severity: "ok", meaning: "GET /v2/ answered like a registry" },
  authRequired: { severity: "note", meaning: "the registry asks for a login (401 with a challenge)" },
  notRegistryApi: { severity: "error", meaning: "GET /v2/ answered something a registry does not" },
  httpTimeout: { severity: "error", meaning: "GET /v2/ got no answer within the deadline" },
  httpFailed: { severity: "error", meaning: "GET /v2/ failed" },
} as const satisfies Record<string, CatalogueEntry>;

export type FindingCode = keyof typeof FINDINGS;

export interface FindingFields {
  message: string;
  fix?: string;
  /** Go's text for this case; default the catalogue's fixed text */
  go?: string;
  /** default the catalogue's severity (e.g. "validity" becomes a warning near expiry) */
  severity?: Severity;
  certificate?: string;
  subject?: string;
}

/** A finding of a catalogued code: severity and Go's fixed text come from the catalogue unless given. */
export function makeFinding(code: FindingCode, fields: FindingFields): Finding {
  const entry: CatalogueEntry = FINDINGS[code];
  const f: Finding = { code, severity: fields.severity ?? entry.severity, message: fields.message, fix: fields.fix ?? "" };
  const go = fields.go ?? entry.go;
  if (go !== undefined) f.go = go;
  if (fields.certificate !== undefined) f.certificate = fields.certificate;
  if (fields.subject !== undefined) f.subject = fields.subject;
  return f;
}

/** Whether a code is in the catalogue (for findings read back from JSON). */
export const isFindingCode = (code: string): code is FindingCode => Object.hasOwn(FINDINGS, code);
