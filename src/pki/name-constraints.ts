/**
 * THE name-constraint engine (RFC 5280 §4.2.1.10, as Go's crypto/x509 applies it in constraints.go,
 * Go 1.25+). Used at issue/sign time (refuse before anything is generated) and by verify (every
 * certificate in a chain against every CA above it). One set of rules:
 *
 * - a name type with no permitted subtree is unconstrained; an excluded subtree always wins;
 * - DNS: "example.com" covers the name and every subdomain, ".example.com" only subdomains; matching is
 *   label-aligned and ASCII case-insensitive (Go's dnsHasSuffix); "" covers everything;
 * - an excluded subtree also excludes a wildcard SAN that could cover one of its names
 *   (CVE-2025-61727: "*.example.com" under excluded "bad.example.com");
 * - IPv4 names only meet IPv4 ranges and IPv6 only IPv6 ranges.
 *
 * Pure: no I/O. Verify hands in its parsed certificates, issue hands in a NameSet and the CA's
 * constraints as CIDR text; both end in the same two verdict functions (dnsVerdict, ipVerdict).
 */
import { opt, phrase, userError } from "./errors.js";
import { ipToBytes, type NameSet } from "./names.js";
import { domainNameValid } from "./verify/parse.js";
import { formatIpBytes } from "./verify/hostname.js";

/** An IP range as it sits in a certificate: address and mask of the same length (4 or 16 bytes). */
export interface IpNet {
  ip: Uint8Array;
  mask: Uint8Array;
}

/** A CA's constraints in certificate form (what the verify parser produces). */
export interface NameConstraintSubtrees {
  permittedDns: string[];
  excludedDns: string[];
  permittedIp: IpNet[];
  excludedIp: IpNet[];
}

/** A CA's constraints as CIDR text (what the issuer parser and the CA builder use). */
export interface NameConstraintsText {
  permittedDns: string[];
  permittedIp: string[];
  excludedDns: string[];
  excludedIp: string[];
}

export type NameVerdict = { ok: true } | { ok: false; reason: "notPermitted" } | { ok: false; reason: "excluded"; by: string };

const lowerAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Go's dnsHasSuffix(constraint, name): label-aligned, case-insensitive; a leading-dot constraint needs a subdomain. */
export function dnsHasSuffix(constraint: string, name: string): boolean {
  if (constraint.length > name.length) return false;
  if (!lowerAscii(name).endsWith(lowerAscii(constraint))) return false;
  if (constraint[0] !== "." && name.length > constraint.length && name[name.length - constraint.length - 1] !== ".") return false;
  return true;
}

/** Is `name` inside the DNS subtree `constraint` ("" is every name)? */
export function dnsWithin(name: string, constraint: string): boolean {
  return constraint.length === 0 || dnsHasSuffix(constraint, name);
}

function trimFirstLabel(name: string): string {
  const dot = name.indexOf(".");
  return dot < 0 ? "" : name.slice(dot);
}

/** The excluded subtree that refuses `name`, including a wildcard that could cover an excluded name (CVE-2025-61727). */
function dnsExcludedBy(excluded: string[], name: string): string | undefined {
  for (const c of excluded) if (dnsWithin(name, c)) return c;
  if (name.startsWith("*")) {
    const parent = trimFirstLabel(lowerAscii(name));
    for (const c of excluded) {
      const trimmed = trimFirstLabel(lowerAscii(c));
      if (trimmed !== "" && trimmed === parent) return c;
    }
  }
  return undefined;
}

/** Go's order: not permitted first, then excluded. */
export function dnsVerdict(name: string, permitted: string[], excluded: string[]): NameVerdict {
  if (permitted.length > 0 && !permitted.some((c) => dnsWithin(name, c))) return { ok: false, reason: "notPermitted" };
  const by = dnsExcludedBy(excluded, name);
  return by === undefined ? { ok: true } : { ok: false, reason: "excluded", by };
}

function ipContains(net: IpNet, ip: Uint8Array): boolean {
  if (net.ip.length !== ip.length) return false;
  return ip.every((b, i) => (b & (net.mask[i] as number)) === ((net.ip[i] as number) & (net.mask[i] as number)));
}

export function ipVerdict(ip: Uint8Array, permitted: IpNet[], excluded: IpNet[]): NameVerdict {
  if (permitted.length > 0 && !permitted.some((n) => ipContains(n, ip))) return { ok: false, reason: "notPermitted" };
  const by = excluded.find((n) => ipContains(n, ip));
  return by === undefined ? { ok: true } : { ok: false, reason: "excluded", by: formatIpNet(by) };
}

/**
 * "192.168.0.0/16" → address and mask bytes. Lenient like Go's parser: host bits are masked, not
 * refused (a CA may carry "10.1.2.3/8"); user input is validated earlier with parseCidr.
 */
export function cidrToIpNet(cidr: string): IpNet {
  const [address = "", prefixText = ""] = cidr.split("/");
  const ip = ipToBytes(address);
  const prefix = Number(prefixText);
  const mask = ip.map((_, i) => (i * 8 + 8 <= prefix ? 0xff : i * 8 >= prefix ? 0 : (0xff << (8 - (prefix - i * 8))) & 0xff));
  return { ip, mask };
}

export function formatIpNet(net: IpNet): string {
  let prefix = 0;
  for (const b of net.mask) prefix += b.toString(2).replace(/0/g, "").length;
  return `${formatIpBytes(net.ip)}/${prefix}`;
}

/** Is the normalised IP `ip` inside `cidr`? (false when the families differ) */
export function ipWithin(ip: string, cidr: string): boolean {
  return ipContains(cidrToIpNet(cidr), ipToBytes(ip));
}

// ---------------------------------------------------------------------------------------------------
// Issue / sign time

/** The names that the constraints do not allow, each with the reason. Empty when all are allowed. */
export function namesOutsideConstraints(names: NameSet, nc: NameConstraintsText): string[] {
  const problems: string[] = [];
  for (const dns of names.dns) {
    const v = dnsVerdict(dns, nc.permittedDns, nc.excludedDns);
    if (v.ok) continue;
    if (v.reason === "excluded") {
      const how = dns.startsWith("*") && !dnsWithin(dns, v.by) ? ` (the wildcard would cover "${v.by}")` : "";
      problems.push(`DNS name "${dns}" is excluded by the CA's name constraints${how}`);
    } else problems.push(`DNS name "${dns}" is not within the CA's permitted names (${nc.permittedDns.join(", ")})`);
  }
  const permittedIp = nc.permittedIp.map(cidrToIpNet);
  const excludedIp = nc.excludedIp.map(cidrToIpNet);
  for (const ip of names.ip) {
    const v = ipVerdict(ipToBytes(ip), permittedIp, excludedIp);
    if (v.ok) continue;
    if (v.reason === "excluded") problems.push(`IP ${ip} is excluded by the CA's name constraints`);
    else problems.push(`IP ${ip} is not within the CA's permitted ranges (${nc.permittedIp.join(", ")})`);
  }
  return problems;
}

/** Refuses, before anything is generated, names a client would reject under this CA. */
export function assertWithinConstraints(names: NameSet, nc: NameConstraintsText | undefined): void {
  if (!nc) return;
  const problems = namesOutsideConstraints(names, nc);
  if (problems.length > 0) {
    throw userError("regcert.outsideConstraints", problems.join("; "), "clients would reject this certificate; issue it only for names the CA permits (regcert inspect ca.crt shows them)");
  }
}

/** Options for a constrained CA; every array may be left out. */
export type NameConstraintsInput = Partial<NameConstraintsText>;

/**
 * The constraints a CA is actually made with. RFC 5280 leaves a name type without a permitted subtree
 * unconstrained: a CA permitting only DNS:registry.local would still sign IP:8.8.8.8 and OpenSSL
 * accepts it. So DNS-only constraints also exclude every IPv4 and IPv6 address (0.0.0.0/0, ::/0), and
 * IP ranges without a DNS subtree are refused (every DNS name would stay open). Applied by the engine
 * (createRootCa, intermediates), so library callers with a raw object get the same CA as the CLI.
 */
export function completeNameConstraints(input: NameConstraintsInput): NameConstraintsText {
  const permittedDns = [...(input.permittedDns ?? [])];
  const permittedIp = [...(input.permittedIp ?? [])];
  const excludedDns = [...(input.excludedDns ?? [])];
  const excludedIp = [...(input.excludedIp ?? [])];
  if (permittedIp.length > 0 && permittedDns.length === 0) {
    throw userError("regcert.ipOnlyConstraints", phrase`${opt("permittedIp")} without ${opt("permittedDns")} would leave every DNS name unconstrained`, phrase`add ${opt("permittedDns")} for the registry's DNS names`);
  }
  if (permittedDns.length > 0 && permittedIp.length === 0) {
    for (const all of ["0.0.0.0/0", "::/0"]) if (!excludedIp.includes(all)) excludedIp.push(all);
  }
  return { permittedDns, permittedIp, excludedDns, excludedIp };
}

// ---------------------------------------------------------------------------------------------------
// Verify time: a whole chain

/** What the chain check needs of a certificate (the verify parser's ParsedCertificate has it). */
export interface ConstrainedCertificate {
  hasSan: boolean;
  dnsNames: string[];
  ipAddresses: Uint8Array[];
  nameConstraints?: NameConstraintSubtrees | undefined;
}

export interface ConstraintViolation {
  /** index in the chain of the certificate whose name is refused */
  nameIndex: number;
  /** index of the CA whose constraints refuse it */
  caIndex: number;
  name: string;
  kind: "dns" | "ip";
  /** Go's detail text */
  detail: string;
}

/**
 * Name constraints over a whole chain exactly as Go's checkChainConstraints: each certificate's SANs
 * are checked against the constraints of every CA above it (never its own). Unlike Go, every
 * violation is returned, not only the first. `chain[0]` is the leaf.
 */
export function checkChainConstraints(chain: ConstrainedCertificate[]): ConstraintViolation[] {
  const violations: ConstraintViolation[] = [];
  chain.forEach((ca, caIndex) => {
    const nc = ca.nameConstraints;
    if (!nc) return;
    for (let i = 0; i < caIndex; i++) {
      const cert = chain[i] as ConstrainedCertificate;
      if (!cert.hasSan) continue;
      const add = (name: string, kind: "dns" | "ip", detail: string) => violations.push({ nameIndex: i, caIndex, name, kind, detail });
      for (const ip of cert.ipAddresses) {
        const text = formatIpBytes(ip);
        const v = ipVerdict(ip, nc.permittedIp, nc.excludedIp);
        if (v.ok) continue;
        add(text, "ip", v.reason === "notPermitted" ? `IP address "${text}" is not permitted by any constraint` : `IP address "${text}" is excluded by constraint "${v.by}"`);
      }
      for (const dns of cert.dnsNames) {
        if (!domainNameValid(dns, false)) {
          add(dns, "dns", `x509: cannot parse dnsName "${dns}"`);
          continue;
        }
        const v = dnsVerdict(dns, nc.permittedDns, nc.excludedDns);
        if (v.ok) continue;
        add(dns, "dns", v.reason === "notPermitted" ? `DNS name "${dns}" is not permitted by any constraint` : `DNS name "${dns}" is excluded by constraint "${v.by}"`);
      }
    }
  });
  return violations;
}
