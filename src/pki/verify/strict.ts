/**
 * RFC 5280 and CA/Browser Forum profile rules that Go's verifier does not enforce but stricter
 * verifiers do (rustls/webpki, browsers, OpenSSL with -x509_strict): reported as warnings, fatal only
 * with `strict`. Each cites the rule it comes from. Things worth knowing that no verifier refuses
 * (a CA certificate used directly as a server certificate) are notes.
 */
import type { ParsedCertificate } from "./parse.js";
import { isIPv6 } from "node:net";
import { domainToASCII } from "node:url";
import { ipToBytes } from "../names.js";
import { ipEqual } from "./hostname.js";
import { KU_CERT_SIGN, ipTexts } from "./parse.js";
import type { Finding } from "./types.js";
import { makeFinding, type FindingCode } from "../findings.js";

const bytesEqual = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 1123 host name, optionally with a whole left-most wildcard label (RFC 5280 §4.2.1.6 preferred name syntax). */
const PREFERRED_NAME = /^(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function warn(code: FindingCode, cert: ParsedCertificate, role: string, message: string, fix: string, severity: Finding["severity"] = "warning"): Finding {
  return makeFinding(code, { severity, certificate: role, subject: cert.subject, message, fix });
}

function leafFindings(leaf: ParsedCertificate, isAlsoRoot: boolean): Finding[] {
  const out: Finding[] = [];
  const reissue = "re-issue it with regcert issue / regcert sign";
  if (leaf.basicConstraintsValid && leaf.isCa && !isAlsoRoot) {
    if ((leaf.keyUsage & KU_CERT_SIGN) === 0 && leaf.hasKeyUsage) {
      out.push(warn("leafIsCa", leaf, "leaf", "the server certificate has basicConstraints CA:TRUE but may not sign certificates (keyUsage lacks keyCertSign): an end-entity certificate wrongly marked as a CA (CA/B Forum BR 7.1.2.7.8); Go accepts it, Apple and webpki-based clients refuse it", `${reissue} (CA:FALSE)`));
    } else {
      out.push(warn("leafIsCa", leaf, "leaf", "the server certificate is a CA certificate (basicConstraints CA:TRUE); Go accepts it, but a server certificate should be CA:FALSE", `${reissue} (CA:FALSE)`, "note"));
    }
  }
  if (!leaf.isCa && (leaf.keyUsage & KU_CERT_SIGN) !== 0) {
    out.push(warn("keyCertSignWithoutCa", leaf, "leaf", "keyUsage asserts keyCertSign on a certificate that is not a CA (RFC 5280 §4.2.1.3)", reissue));
  }
  if (leaf.hasEku && leaf.extKeyUsage.length === 0) {
    out.push(warn("emptyEku", leaf, "leaf", "the extendedKeyUsage extension is empty (RFC 5280 §4.2.1.12 requires at least one purpose); Go treats it as no restriction", reissue));
  }
  for (const name of leaf.dnsNames) {
    if (!PREFERRED_NAME.test(name)) {
      out.push(warn("invalidDnsName", leaf, "leaf", `DNS SAN "${name}" is not a valid host name (RFC 5280 §4.2.1.6 / RFC 1123: letters, digits, hyphens; a wildcard only as the whole left-most label)`, reissue));
    }
  }
  if (leaf.hasSan && leaf.subjectEmpty && !leaf.sanCritical) {
    out.push(warn("sanNotCritical", leaf, "leaf", "the subject is empty, so subjectAltName must be critical (RFC 5280 §4.2.1.6)", reissue));
  }
  if (leaf.hasSan && !leaf.subjectEmpty && leaf.sanCritical) {
    out.push(warn("sanCritical", leaf, "leaf", "subjectAltName is critical although the subject is not empty (CA/B Forum BR 7.1.2.7.12)", reissue));
  }
  out.push(...commonNameFindings(leaf));
  if (leaf.nameConstraints && !leaf.isCa) {
    out.push(warn("nameConstraintsInLeaf", leaf, "leaf", "nameConstraints may only appear in CA certificates (RFC 5280 §4.2.1.10)", reissue));
  }
  return out;
}

/** inet_aton-style IPv4 (hex, octal, fewer parts), as lax parsers read a CN: "0xC0A80101", "192.168.001.001". */
function laxIpv4(text: string): Uint8Array | undefined {
  if (!/^(0x[0-9a-f]+|\d+)(\.(0x[0-9a-f]+|\d+)){0,3}$/i.test(text)) return undefined;
  const parts = text.split(".").map((p) => (/^0x/i.test(p) ? parseInt(p.slice(2), 16) : p.length > 1 && p.startsWith("0") ? parseInt(p, 8) : Number(p)));
  if (parts.some((n) => Number.isNaN(n))) return undefined;
  const last = parts.pop() as number;
  const bytes = [...parts];
  const room = 4 - parts.length;
  if (parts.some((n) => n > 255) || last >= 2 ** (8 * room)) return undefined;
  for (let i = room - 1; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return Uint8Array.from(bytes);
}

/**
 * CA/B Forum BR 7.1.4.3: a CN must be a byte-for-byte copy of a SAN. A CN that is another spelling of
 * one of the SANs (case, IDN U-label vs A-label, hex/octal/uncompressed IP forms) is a warning: clients
 * that still read CNs compare different strings. A CN that simply names something else is only a note
 * (Go ignores the CN; x509-limbo's own valid cases carry such CNs).
 */
function commonNameFindings(leaf: ParsedCertificate): Finding[] {
  const cn = leaf.subjectCommonName;
  const ips = ipTexts(leaf);
  if (cn === undefined || !leaf.hasSan || leaf.dnsNames.includes(cn) || ips.includes(cn)) return [];
  const lowerDns = leaf.dnsNames.map((d) => d.toLowerCase());
  let spelledDifferently = lowerDns.includes(cn.toLowerCase());
  if (!spelledDifferently && /[^\x00-\x7f]/.test(cn)) spelledDifferently = lowerDns.includes(domainToASCII(cn).toLowerCase());
  const asIp = laxIpv4(cn) ?? (isIPv6(cn) ? ipToBytes(cn) : undefined);
  if (!spelledDifferently && asIp) spelledDifferently = leaf.ipAddresses.some((ip) => ipEqual(ip, asIp));
  if (spelledDifferently) {
    return [warn("commonNameSpelling", leaf, "leaf", `the Common Name "${cn}" spells one of the SANs differently; CA/B Forum BR 7.1.4.3 requires a byte-for-byte copy (clients that read the CN compare different strings)`, "re-issue it with the CN equal to the first DNS name, or no CN (regcert does)")];
  }
  return [warn("commonNameNotInSan", leaf, "leaf", `the Common Name "${cn}" is not one of the SANs; Go ignores it, but CA/B Forum BR 7.1.4.3 wants a copy of a SAN`, "re-issue it with the CN equal to the first DNS name, or no CN (regcert does)", "note")];
}

function keyFindings(cert: ParsedCertificate, role: string): Finding[] {
  const { kind, bits } = cert.publicKey;
  if (kind === "rsa" && (bits < 2048 || bits % 8 !== 0)) {
    return [warn("weakRsaKey", cert, role, `RSA key of ${bits} bits: at least 2048 bits, a multiple of 8, is required (CA/B Forum BR 6.1.5; Apple requires 2048)`, "use ECDSA P-256 or RSA ≥ 2048 (regcert's defaults)")];
  }
  return [];
}

function caFindings(ca: ParsedCertificate, role: string): Finding[] {
  const out: Finding[] = [];
  const name = `${role} CA`;
  if (ca.hasKeyUsage && ca.keyUsage === 0) {
    out.push(warn("emptyKeyUsage", ca, role, `${name} has a keyUsage extension with no bit set, so not even keyCertSign (RFC 5280 §4.2.1.3); Go treats it as absent`, "re-create the CA with keyUsage keyCertSign, cRLSign (regcert init-ca does)"));
  }
  if (ca.basicConstraintsValid && !ca.basicConstraintsCritical) {
    out.push(warn("basicConstraintsNotCritical", ca, role, `${name}'s basicConstraints is not critical (RFC 5280 §4.2.1.9 requires it in CA certificates); Go accepts it`, "re-create the CA with a critical basicConstraints (regcert init-ca does)"));
  }
  if (!ca.subjectKeyId) {
    out.push(warn("missingSki", ca, role, `${name} has no subjectKeyIdentifier (RFC 5280 §4.2.1.2: CA certificates MUST have one)`, "re-create the CA with a subjectKeyIdentifier (regcert init-ca does)"));
  }
  if (ca.subjectEmpty) {
    out.push(warn("emptyCaSubject", ca, role, `${name} has an empty subject (RFC 5280 §4.1.2.6: a CA's subject MUST be non-empty)`, "re-create the CA with a subject name"));
  }
  if (ca.nameConstraints) {
    const dotted = ca.nameConstraints.permittedDns.concat(ca.nameConstraints.excludedDns).filter((d) => d.startsWith("."));
    if (dotted.length > 0) {
      out.push(warn("nameConstraintLeadingDot", ca, role, `${name}'s DNS name constraints ${dotted.join(", ")} start with a dot, which RFC 5280 §4.2.1.10 does not define for DNS names (Go and OpenSSL read it as "subdomains only")`, "write DNS constraints without a leading dot (regcert init-ca --permit-dns does)"));
    }
  }
  return out;
}

function akiFindings(cert: ParsedCertificate, role: string, selfIssued: boolean): Finding[] {
  const out: Finding[] = [];
  if (!cert.hasAki) {
    if (!selfIssued) out.push(warn("missingAki", cert, role, `${role} has no authorityKeyIdentifier (RFC 5280 §4.2.1.1: MUST be present except in self-signed CA certificates)`, "re-issue it with an authorityKeyIdentifier (regcert does)"));
    return out;
  }
  if (!cert.authorityKeyId) out.push(warn("akiWithoutKeyId", cert, role, `${role}'s authorityKeyIdentifier has no keyIdentifier (CA/B Forum BR 7.1.2.11.1)`, "re-issue it with a keyIdentifier-only authorityKeyIdentifier"));
  if (cert.akiHasIssuer || cert.akiHasSerial) out.push(warn("akiIssuerSerial", cert, role, `${role}'s authorityKeyIdentifier carries authorityCertIssuer/authorityCertSerialNumber, which CA/B Forum BR 7.1.2.11.1 forbids`, "re-issue it with a keyIdentifier-only authorityKeyIdentifier"));
  if (selfIssued && cert.authorityKeyId && cert.subjectKeyId && !bytesEqual(cert.authorityKeyId, cert.subjectKeyId)) {
    out.push(warn("akiSkiMismatch", cert, role, `${role} is self-signed but its authorityKeyIdentifier differs from its own subjectKeyIdentifier`, "re-create it so both identifiers match"));
  }
  return out;
}

/** Profile findings for the chain Go would use (leaf first); `labels` are the roles. */
export function strictProfileFindings(chain: ParsedCertificate[], labels: string[]): Finding[] {
  const out: Finding[] = [];
  const leaf = chain[0];
  if (!leaf) return out;
  out.push(...leafFindings(leaf, chain.length === 1));
  chain.forEach((cert, i) => {
    const role = labels[i] ?? "certificate";
    const selfIssued = bytesEqual(cert.rawIssuer, cert.rawSubject);
    out.push(...keyFindings(cert, role));
    if (i > 0) out.push(...caFindings(cert, role));
    out.push(...akiFindings(cert, role, selfIssued));
  });
  return out;
}
