/**
 * Which identifiers this server will certify: the operator's allow-list (--allow-dns NAME or
 * *.SUFFIX, --allow-ip CIDR) and then the CA's own name constraints, so a refusal comes at new-order
 * as rejectedIdentifier, not later as a certificate clients reject. An empty allow-list of a type
 * allows none of that type: an ACME server that signs anything it can reach is not what anyone wants.
 */
import { dnsWithin, ipWithin, namesOutsideConstraints } from "../pki/name-constraints.js";
import { opt, phrase, userError } from "../pki/errors.js";
import type { NameConstraintsInfo } from "../pki/issuer.js";
import { classifyName, parseCidr } from "../pki/names.js";
import type { Identifier } from "./types.js";
import { problem } from "./problems.js";

export interface AllowList {
  /** exact names ("registry.local") or suffixes ("*.corp.example": any name below it, not the suffix itself) */
  dns: string[];
  /** CIDR ranges ("127.0.0.1/32", "192.168.0.0/16") */
  ip: string[];
}

/** Validates --allow-dns / --allow-ip values (exit 2 with a hint on a bad one) and normalises them. */
export function parseAllowList(dns: string[], ip: string[]): AllowList {
  const outDns = dns.map((entry) => {
    const suffix = entry.startsWith("*.");
    const name = classifyName(suffix ? entry.slice(2) : entry);
    if (name.type !== "dns") throw userError("regcert.invalidAllow", phrase`${opt("allowDns", JSON.stringify(entry))} is an IP address`, phrase`use ${opt("allowIp", "CIDR")} for addresses, e.g. ${opt("allowIp", "127.0.0.1/32")}`);
    return suffix ? `*.${name.value}` : name.value;
  });
  const outIp = ip.map((entry) => {
    const range = parseCidr(entry.includes("/") ? entry : `${entry}/${entry.includes(":") ? 128 : 32}`);
    return `${range.address}/${range.prefix}`;
  });
  return { dns: outDns, ip: outIp };
}

function allowedByList(identifier: Identifier, allow: AllowList): boolean {
  if (identifier.type === "ip") return allow.ip.some((cidr) => ipWithin(identifier.value, cidr));
  return allow.dns.some((entry) => (entry.startsWith("*.") ? identifier.value.endsWith(entry.slice(1)) : identifier.value === entry));
}

/**
 * Normalises the identifiers of a new-order and refuses the order (rejectedIdentifier with one
 * subproblem per refused identifier, RFC 8555 §6.7.1) unless every one is allowed.
 */
export function checkIdentifiers(raw: unknown, allow: AllowList, constraints: NameConstraintsInfo | undefined): Identifier[] {
  if (!Array.isArray(raw) || raw.length === 0) throw problem("malformed", "new-order needs a non-empty identifiers array");
  if (raw.length > 100) throw problem("rejectedIdentifier", `an order may have at most 100 identifiers (got ${raw.length})`);
  const out: Identifier[] = [];
  const subproblems: NonNullable<ReturnType<typeof problem>["extra"]["subproblems"]> = [];
  for (const item of raw as Array<{ type?: unknown; value?: unknown }>) {
    if (typeof item !== "object" || item === null || typeof item.value !== "string" || (item.type !== "dns" && item.type !== "ip")) {
      if (typeof item?.type === "string" && item.type !== "dns" && item.type !== "ip") throw problem("unsupportedIdentifier", `identifier type ${JSON.stringify(item.type).slice(0, 40)} is not supported (dns and ip are)`);
      throw problem("malformed", "each identifier needs a type (dns or ip) and a string value");
    }
    const type = item.type;
    const value = item.value;
    const refuse = (detail: string) => subproblems.push({ type: "urn:ietf:params:acme:error:rejectedIdentifier", detail, identifier: { type, value: value.slice(0, 255) } });
    if (type === "dns" && value.startsWith("*.")) {
      refuse(`${JSON.stringify(value)}: wildcard names need the dns-01 challenge, which this server does not offer`);
      continue;
    }
    let normalised: string;
    try {
      const name = classifyName(value);
      if (name.type !== type) {
        refuse(`${JSON.stringify(value.slice(0, 255))} is ${name.type === "ip" ? "an IP address" : "a DNS name"}, not type ${type}`);
        continue;
      }
      normalised = name.value;
      // RFC 8738 §3: the value is the textual address as given; we compare normalised forms
    } catch (error) {
      refuse((error as Error).message);
      continue;
    }
    const identifier: Identifier = { type, value: normalised };
    if (!allowedByList(identifier, allow)) {
      // protocol text for the ACME client, who cannot set the allow-list: neither flags nor option names
      refuse(`${normalised} is not on this server's allow-list of ${type === "dns" ? "DNS names" : "IP addresses"}`);
      continue;
    }
    if (constraints) {
      const outside = namesOutsideConstraints(type === "dns" ? { dns: [normalised], ip: [] } : { dns: [], ip: [normalised] }, constraints);
      if (outside.length > 0) {
        refuse(outside.join("; "));
        continue;
      }
    }
    if (!out.some((o) => o.type === type && o.value === normalised)) out.push(identifier);
  }
  if (subproblems.length > 0) {
    const first = subproblems[0]?.detail ?? "";
    throw problem("rejectedIdentifier", subproblems.length === 1 ? first : `${subproblems.length} identifiers were refused; first: ${first}`, { extra: { subproblems } });
  }
  return out;
}

export { dnsWithin };
