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
import { isIpv4Mapped } from "../ip-mapped.js";
import { readChildren, readElement, type DerElement } from "../der.js";
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
export function formatIpBytes(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length === 16) {
    return isIpv4Mapped(bytes) ? Array.from(bytes.subarray(12)).join(".") : formatIpv6(bytes);
  }
  return `?${Buffer.from(bytes).toString("hex")}`;
}

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

const SAN_OID = Uint8Array.from([0x55, 0x1d, 0x11]);

/** The extensions [3] of a certificate's TBS, as [oid bytes, critical, value bytes] (empty when none). */
function rawExtensions(der: Uint8Array): Array<{ oid: Uint8Array; critical: boolean; value: Uint8Array }> {
  const cert = readElement(der);
  const tbs = readChildren(der, cert)[0];
  if (!tbs) return [];
  const wrapper = readChildren(der, tbs).find((e) => e.tag === 0xa3);
  if (!wrapper) return [];
  const list = readChildren(der, wrapper)[0];
  if (!list) return [];
  return readChildren(der, list).map((ext) => {
    const parts = readChildren(der, ext);
    const content = (e: DerElement | undefined) => (e ? der.subarray(e.contentStart, e.end) : new Uint8Array(0));
    const critical = parts.length === 3 && parts[1]?.tag === 0x01 && der[(parts[1] as DerElement).contentStart] !== 0;
    return { oid: content(parts[0]), critical, value: content(parts[parts.length - 1]) };
  });
}

/** Reads dNSName and iPAddress entries from a subjectAltName extension value (the OCTET STRING contents). */
export function namesFromSanExtension(value: Uint8Array): CertificateNames {
  const names: CertificateNames = { dns: [], ip: [] };
  for (const general of readChildren(value, readElement(value))) {
    const data = value.subarray(general.contentStart, general.end);
    if (general.tag === 0x82) names.dns.push(Buffer.from(data).toString("latin1"));
    else if (general.tag === 0x87) names.ip.push(formatIpBytes(data));
  }
  return names;
}

/**
 * The SAN names of a DER certificate (empty lists when it has no subjectAltName). Throws
 * RegcertError "regcert.malformedDer" when the DER cannot be read.
 */
export function certificateNames(der: Uint8Array): CertificateNames {
  const san = rawExtensions(der).find((e) => e.oid.length === 3 && e.oid.every((b, i) => b === SAN_OID[i]));
  return san ? namesFromSanExtension(san.value) : { dns: [], ip: [] };
}

/** Whether the certificate has a subjectAltName extension at all (Go's hasSANExtension). */
export function hasSanExtension(der: Uint8Array): boolean {
  return rawExtensions(der).some((e) => e.oid.length === 3 && e.oid.every((b, i) => b === SAN_OID[i]));
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
