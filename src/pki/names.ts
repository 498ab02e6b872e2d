/**
 * Names a certificate can be valid for: DNS names and IP addresses, validated and normalised the way
 * Go's crypto/x509 (what Docker, containerd and podman use) will later match them.
 *
 * - DNS: RFC 1123 host names, lower-cased, a trailing dot dropped, IDN turned into punycode (UTS #46
 *   via the WHATWG URL parser), a wildcard only as the whole left-most label and never over a single
 *   remaining label ("*.local" would cover a whole top-level domain).
 *   An "xn--" label must be valid IDNA (it round-trips through the UTS #46 decoder); a wildcard may not
 *   sit directly over a public suffix ("*.co.uk"), judged by the Public Suffix List through tldts
 *   (ICANN and private sections: "*.github.io" would cover every user's site).
 * - IP: dotted-quad IPv4 without leading zeros (Go and glibc disagree on "010"), IPv6 in RFC 5952
 *   form; IPv4-mapped IPv6 becomes IPv4, as Go encodes it. The unspecified addresses 0.0.0.0 and ::
 *   name no host and are refused as names (they remain valid as CIDR network addresses).
 * - No surrounding whitespace: " registry.local" is a typo or a forged CSR, never silently trimmed.
 */
import { isIPv4, isIPv6 } from "node:net";
import { createRequire } from "node:module";
import { domainToASCII, domainToUnicode } from "node:url";
import type * as Tldts from "tldts";
import { isIpv4Mapped } from "./ip-mapped.js";
import { type ErrorText, opt, phrase, userError } from "./errors.js";

export type SubjectName = { type: "dns"; value: string } | { type: "ip"; value: string };

export interface NameSet {
  dns: string[];
  ip: string[];
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A user's input as it may appear in a one-line message: control characters (a newline would split
 * the message, an escape sequence could repaint the terminal) escaped, and at most 300 characters (a DNS name has at most 253).
 */
export function quoteInput(input: string): string {
  const escaped = JSON.stringify(input.length > 300 ? `${input.slice(0, 300)}…` : input).slice(1, -1);
  return `"${escaped.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

const NAME_EXAMPLE = phrase`e.g. ${opt("names.dns", "registry.local")} or ${opt("names.ip", "192.168.0.12")}`;

function invalid(input: string, why: string, hint: ErrorText = NAME_EXAMPLE) {
  return userError("regcert.invalidName", `${quoteInput(input)} is not a valid DNS name or IP address: ${why}`, hint);
}

/** Classifies one host as a DNS name or an IP address and returns its normalised form. */
export function classifyName(input: string): SubjectName {
  const name = classifyAny(input);
  if (name.type === "ip" && (name.value === "0.0.0.0" || name.value === "::")) {
    throw userError("regcert.invalidName", `${quoteInput(input)} is the unspecified address: it names no host, so no client can reach a registry by it`, phrase`give the address clients connect to, e.g. ${opt("names.ip", "192.168.0.12")}`);
  }
  return name;
}

/** classifyName without the unspecified-address rule (a CIDR network address may be 0.0.0.0 or ::). */
function classifyAny(input: string): SubjectName {
  const raw = input.trim();
  if (raw === "") throw userError("regcert.invalidName", "an empty name is not a valid DNS name or IP address", NAME_EXAMPLE);
  if (raw !== input) throw userError("regcert.invalidName", `${quoteInput(input)} is not a valid DNS name or IP address: it has spaces around it`, `write it without them: ${quoteInput(raw)}`);
  if (raw.startsWith("[") || raw.includes(":")) return { type: "ip", value: parseIpv6(raw, input) };
  if (/^[0-9.]+$/.test(raw)) return { type: "ip", value: parseIpv4(raw, input) };
  return { type: "dns", value: parseDnsName(raw, input) };
}

/** Sorts hosts into DNS and IP lists, normalised, de-duplicated, first occurrence first. */
export function classifyNames(inputs: Iterable<string>): NameSet {
  const dns: string[] = [];
  const ip: string[] = [];
  for (const input of inputs) {
    const name = classifyName(input);
    const list = name.type === "dns" ? dns : ip;
    if (!list.includes(name.value)) list.push(name.value);
  }
  return { dns, ip };
}

/** Validates a DNS name given where only a DNS name makes sense (--dns). */
export function parseDnsOnly(input: string): string {
  const name = classifyName(input);
  if (name.type !== "dns") {
    throw userError("regcert.invalidName", `${quoteInput(input)} is an IP address, not a DNS name`, phrase`pass it with ${opt("names.ip", name.value)}`);
  }
  return name.value;
}

/** Validates an IP given where only an IP makes sense (--ip). */
export function parseIpOnly(input: string): string {
  const name = classifyName(input);
  if (name.type !== "ip") {
    throw userError("regcert.invalidName", `${quoteInput(input)} is not a valid IP address`, phrase`pass host names with ${opt("names.dns", quoteInput(input.trim()))}`);
  }
  return name.value;
}

function parseDnsName(raw: string, input: string): string {
  let name = raw.endsWith(".") ? raw.slice(0, -1) : raw;
  if (name.includes("..") || name.startsWith(".")) throw invalid(input, "empty label");
  if (/[^\x21-\x7e]/.test(name) && !/\s/.test(name)) {
    const wildcard = name.startsWith("*.");
    const ascii = domainToASCII(wildcard ? name.slice(2) : name);
    if (ascii === "") throw invalid(input, "not a valid internationalised domain name");
    name = wildcard ? `*.${ascii}` : ascii;
  }
  name = name.toLowerCase();
  if (name.length > 253) throw invalid(input, "longer than 253 characters");
  const labels = name.split(".");
  labels.forEach((label, index) => {
    if (label === "*") {
      if (index !== 0) throw invalid(input, "a wildcard must be the whole left-most label");
      if (labels.length < 3) throw invalid(input, "a wildcard needs at least two labels after it");
      return;
    }
    if (label.startsWith("xn--") && !validPunycodeLabel(label)) {
      throw invalid(input, `label ${quoteInput(label)} starts with "xn--" but is not valid IDNA punycode`, "give the name in Unicode (regcert converts it) or its exact punycode form");
    }
    if (label.includes("*")) throw invalid(input, "a wildcard must be the whole left-most label (like *.example.com)");
    if (label.length > 63) throw invalid(input, `label ${quoteInput(label.slice(0, 20))}… is longer than 63 characters`);
    if (label.includes("_")) throw invalid(input, "underscores are not allowed in host names (RFC 1123)");
    if (!LABEL.test(label)) {
      if (label.startsWith("-") || label.endsWith("-")) throw invalid(input, `label ${quoteInput(label)} starts or ends with a hyphen`);
      throw invalid(input, `label ${quoteInput(label)} has characters other than letters, digits and hyphens`);
    }
  });
  if (/^[0-9]+$/.test(labels[labels.length - 1] as string)) throw invalid(input, "the last label is numeric (not an IP address either)");
  if (labels[0] === "*") {
    const parent = labels.slice(1).join(".");
    if (publicSuffixOf(parent) === parent) {
      throw invalid(input, `a wildcard directly over the public suffix "${parent}" would cover every site registered under it`, `put the wildcard under your own domain, e.g. *.registry.example.${parent}`);
    }
  }
  return name;
}

let tldts: typeof Tldts | undefined;
/**
 * The public suffix of `domain` (Public Suffix List, ICANN and private sections). tldts and its list
 * (~150 KB) load on the first wildcard only, so the CLI's start-up does not pay for them.
 */
function publicSuffixOf(domain: string): string | null {
  tldts ??= createRequire(import.meta.url)("tldts") as typeof Tldts;
  return tldts.getPublicSuffix(domain, { allowPrivateDomains: true });
}

/** An A-label must decode (UTS #46) and encode back to itself: "xn--abc" does not, "xn--bcher-kva" does. */
function validPunycodeLabel(label: string): boolean {
  const unicode = domainToUnicode(label);
  return unicode !== "" && unicode !== label && domainToASCII(unicode) === label;
}

function parseIpv4(raw: string, input: string): string {
  const parts = raw.split(".");
  if (parts.length !== 4) throw invalid(input, "an IPv4 address has four parts");
  for (const part of parts) {
    if (part === "") throw invalid(input, "empty IPv4 part");
    if (part.length > 1 && part.startsWith("0")) throw invalid(input, `IPv4 part "${part}" has a leading zero`);
    if (Number(part) > 255) throw invalid(input, `IPv4 part ${part} is above 255`);
  }
  if (!isIPv4(raw)) throw invalid(input, "not a valid IPv4 address");
  return raw;
}

function parseIpv6(raw: string, input: string): string {
  let text = raw;
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) throw invalid(input, "unbalanced brackets (give the address without a port)");
    text = text.slice(1, -1);
  }
  if (text.includes("%")) throw invalid(input, "IPv6 zone identifiers cannot appear in certificates");
  if (!isIPv6(text)) {
    if (/^[^:]+:\d+$/.test(text)) throw invalid(input, "looks like HOST:PORT; certificates name hosts, not ports");
    throw invalid(input, "not a valid IPv6 address");
  }
  const bytes = ipv6Bytes(text);
  if (isIpv4Mapped(bytes)) return Array.from(bytes.subarray(12)).join(".");
  return formatIpv6(bytes);
}

function ipv6Bytes(text: string): Uint8Array {
  let head = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const quad = (v4[1] as string).split(".").map(Number);
    tail.push(((quad[0] as number) << 8) | (quad[1] as number), ((quad[2] as number) << 8) | (quad[3] as number));
    head = text.slice(0, -(v4[1] as string).length) + "0";
  }
  const [left = "", right] = head.split("::");
  const leftGroups = left === "" ? [] : left.split(":");
  const rightGroups = right === undefined || right === "" ? [] : right.split(":");
  if (v4) (rightGroups.length > 0 || right !== undefined ? rightGroups : leftGroups).pop();
  const groups = leftGroups.map((g) => parseInt(g, 16));
  const rest = rightGroups.map((g) => parseInt(g, 16));
  const missing = 8 - groups.length - rest.length - tail.length;
  const all = [...groups, ...new Array(Math.max(0, missing)).fill(0), ...rest, ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** RFC 5952 text form: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** The 4- or 16-byte form of a normalised IP, as it goes into an iPAddress GeneralName. */
export function ipToBytes(ip: string): Uint8Array {
  if (isIPv4(ip)) return Uint8Array.from(ip.split(".").map(Number));
  return ipv6Bytes(ip);
}

export interface IpRange {
  /** normalised network address and prefix, e.g. "192.168.0.0/16" */
  cidr: string;
  address: string;
  prefix: number;
}

/** Parses a CIDR range for name constraints (--permit-ip). Host bits must be zero. */
export function parseCidr(input: string): IpRange {
  const [addressText = "", prefixText, extra] = input.trim().split("/");
  const bad = (why: string) => userError("regcert.invalidCidr", `${quoteInput(input)} is not a valid IP range: ${why}`, "write it as ADDRESS/PREFIX, e.g. 192.168.0.0/16 or fd00::/8");
  if (prefixText === undefined || extra !== undefined || !/^\d{1,3}$/.test(prefixText)) throw bad("expected ADDRESS/PREFIX");
  const name = classifyAny(addressText);
  if (name.type !== "ip") throw bad(`${quoteInput(addressText)} is not an IP address`);
  const bytes = ipToBytes(name.value);
  const prefix = Number(prefixText);
  if (prefix > bytes.length * 8) throw bad(`prefix /${prefix} is longer than the address`);
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if (((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1) {
      const masked = bytes.map((b, i) => (i * 8 >= prefix ? 0 : i * 8 + 8 <= prefix ? b : b & (0xff << (8 - (prefix - i * 8)))));
      const network = bytes.length === 4 ? Array.from(masked).join(".") : formatIpv6(masked);
      throw userError("regcert.invalidCidr", `${quoteInput(input)} has host bits set`, `did you mean ${network}/${prefix}?`);
    }
  }
  return { cidr: `${name.value}/${prefix}`, address: name.value, prefix };
}
