/**
 * Host name matching exactly as Go's crypto/x509 `Certificate.VerifyHostname` does it (verify.go),
 * because Docker, containerd, podman and skopeo are Go programs and their verdict is the one that
 * counts for a registry:
 *
 * - an IP host (optionally in brackets) matches only IP SANs, never a DNS SAN or the CN
 *   (RFC 6125 appendix B.2); IPv4 and IPv4-mapped IPv6 are the same address, as in Go's `IP.Equal`;
 * - a DNS host matches DNS SANs case-insensitively (ASCII only); a wildcard is honoured only as the
 *   whole left-most label of a valid pattern and covers exactly one label; a trailing dot on the host
 *   is ignored; a SAN that is not a valid host name pattern is matched only byte-for-byte
 *   (case-insensitively);
 * - the Common Name is never consulted (Go 1.15 stopped, Go 1.17 removed the switch): a certificate
 *   without SANs matches nothing.
 *
 * Node's `tls.checkServerIdentity` and `X509Certificate.checkHost` fall back to the CN unless told
 * `subject: 'never'`; this module is what a custom `checkServerIdentity` should call instead.
 */
import { isIPv6 } from "node:net";
import { RegcertError } from "../errors.js";
import { isIpv4Mapped } from "../ip-mapped.js";
import { parseCertificate, type ParsedCertificate } from "../x509/certificate.js";
import { CertificateParseError } from "../x509/errors.js";
import { formatIpBytes, sanNames } from "../x509/views.js";
import { formatIpv6, ipToBytes } from "../names.js";

/** The names a certificate is valid for, from its subjectAltName extension. */
export interface CertificateNames {
  /** dNSName entries, exactly as in the certificate */
  dns: string[];
  /** iPAddress entries as text: dotted IPv4, RFC 5952 IPv6 (IPv4-mapped IPv6 printed as IPv4, like Go) */
  ip: string[];
}

/** Go's net.ParseIP: dotted-quad IPv4 without leading zeros, or IPv6 (no zone). Undefined when not an IP. */
export function parseIpLikeGo(text: string): Uint8Array | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const parts = text.split(".");
    if (parts.some((p) => (p.length > 1 && p.startsWith("0")) || Number(p) > 255)) return undefined;
    return Uint8Array.from(parts.map(Number));
  }
  if (!text.includes(":") || text.includes("%") || !isIPv6(text)) return undefined;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4 && v4.slice(1).some((p) => (p.length > 1 && p.startsWith("0")) || Number(p) > 255)) return undefined;
  return ipToBytes(text);
}

/** Go's IP.Equal: the 16-byte IPv4-mapped form of an IPv4 address equals its 4-byte form. */
export function ipEqual(a: Uint8Array, b: Uint8Array): boolean {
  const norm = (ip: Uint8Array) => (isIpv4Mapped(ip) ? ip.subarray(12) : ip);
  const x = norm(a);
  const y = norm(b);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/** Text form of IP SAN bytes as Go prints it (4 or 16 bytes; IPv4-mapped shown as IPv4). */
export { formatIpBytes };

/** Go's toLowerCaseASCII: only A–Z are folded. */
const lowerAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Go's validHostname (verify.go): letters, digits, '-' (not first), '_'; a pattern may start with "*.". */
function validHostname(host: string, isPattern: boolean): boolean {
  const h = isPattern ? host : host.endsWith(".") ? host.slice(0, -1) : host;
  if (h.length === 0 || h === "*") return false;
  const labels = h.split(".");
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as string;
    if (label === "") return false;
    if (isPattern && i === 0 && label === "*") continue;
    for (let j = 0; j < label.length; j++) {
      const c = label[j] as string;
      if (/[a-zA-Z0-9_]/.test(c) || (c === "-" && j !== 0)) continue;
      return false;
    }
  }
  return true;
}

function matchExactly(a: string, b: string): boolean {
  if (a === "" || a === "." || b === "" || b === ".") return false;
  return lowerAscii(a) === lowerAscii(b);
}

/** Go's matchHostnames: same number of labels, a left-most "*" covers exactly one label. */
function matchPattern(pattern: string, host: string): boolean {
  const p = lowerAscii(pattern);
  const h = lowerAscii(host.endsWith(".") ? host.slice(0, -1) : host);
  if (p.length === 0 || h.length === 0) return false;
  const pl = p.split(".");
  const hl = h.split(".");
  if (pl.length !== hl.length) return false;
  return pl.every((label, i) => (i === 0 && label === "*") || label === hl[i]);
}

/** If `host` is an IP address (optionally "[v6]"), its bytes; otherwise undefined. */
export function hostAsIp(host: string): Uint8Array | undefined {
  const candidate = host.length >= 3 && host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return parseIpLikeGo(candidate);
}

/**
 * Does a certificate with these SANs match `host`, by Go's rules? Never looks at a Common Name.
 * `names.ip` entries are IP texts (as returned by {@link certificateNames}).
 */
export function matchHostname(names: { dns: string[]; ip: string[] }, host: string): boolean {
  const ip = hostAsIp(host);
  if (ip) {
    return names.ip.some((candidate) => {
      const bytes = parseIpLikeGo(candidate);
      return bytes !== undefined && ipEqual(bytes, ip);
    });
  }
  const candidate = lowerAscii(host);
  const validCandidate = validHostname(candidate, false);
  return names.dns.some((pattern) =>
    validCandidate && validHostname(pattern, true) ? matchPattern(pattern, candidate) : matchExactly(pattern, candidate),
  );
}

/** The model of a DER certificate, with a malformed one reported as before ("regcert.malformedDer", exit 2). */
function parsed(der: Uint8Array): ParsedCertificate {
  try {
    return parseCertificate(der);
  } catch (error) {
    if (!(error instanceof CertificateParseError)) throw error;
    throw new RegcertError("regcert.malformedDer", `malformed certificate: ${error.message}`, { exitCode: 2, hint: "the certificate cannot be parsed by Go clients; re-issue it", cause: error });
  }
}

/**
 * The SAN names of a DER certificate (empty lists when it has no subjectAltName), read by the strict
 * model (src/pki/x509). Throws RegcertError "regcert.malformedDer" when Go could not parse it.
 */
export function certificateNames(der: Uint8Array): CertificateNames {
  return sanNames(parsed(der));
}

/** Whether the certificate has a subjectAltName extension at all (Go's hasSANExtension). */
export function hasSanExtension(der: Uint8Array): boolean {
  return parsed(der).hasSan;
}

/**
 * Go's error text when `host` does not match (HostnameError.Error in verify.go), for diagnostics
 * that read like what Docker, skopeo and podman print.
 */
export function hostnameMismatchMessage(names: CertificateNames, host: string, hasSan: boolean, commonName?: string): string {
  const ip = hostAsIp(host);
  if (!hasSan && commonName !== undefined && matchPattern(commonName, host)) {
    return "x509: certificate relies on legacy Common Name field, use SANs instead";
  }
  if (ip) {
    const shown = host.startsWith("[") ? host.slice(1, -1) : host;
    if (names.ip.length === 0) return `x509: cannot validate certificate for ${shown} because it doesn't contain any IP SANs`;
    return `x509: certificate is valid for ${names.ip.join(", ")}, not ${shown}`;
  }
  if (names.dns.length === 0) return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${names.dns.join(", ")}, not ${host}`;
}
