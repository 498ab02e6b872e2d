/**
 * Challenge validation (the network side): http-01 (RFC 8555 §8.3) and tls-alpn-01 (RFC 8737), for
 * DNS and IP identifiers (RFC 8738). Connects only to the identifier's own addresses: an IP identifier
 * is its address; a DNS name goes through --resolve NAME:IP when given, else the system resolver. Each
 * address is tried, IPv6 first then IPv4 (as Let's Encrypt does: `localhost` may resolve to ::1 first
 * while the client listens on 127.0.0.1). Every attempt has a deadline and a size cap, and the whole
 * validation a total deadline, so a target that hangs or streams gigabytes costs seconds and kilobytes.
 */
import { createHash, X509Certificate } from "node:crypto";
import { lookup } from "node:dns/promises";
import { request } from "node:http";
import { isIPv6 } from "node:net";
import { connect } from "node:tls";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, SubjectAlternativeName, id_ce_subjectAltName } from "@peculiar/asn1-x509";
import { ipToBytes } from "../pki/names.js";
import { AcmeProblem, problem } from "./problems.js";
import type { ChallengeType, Identifier } from "./types.js";

/** RFC 8737 §3: the acmeIdentifier extension, id-pe 31. */
export const ACME_IDENTIFIER_OID = "1.3.6.1.5.5.7.1.31";
export const ACME_TLS_ALPN = "acme-tls/1";

export interface ValidatorOptions {
  /** port of http-01 checks; default 80 */
  httpPort?: number;
  /** port of tls-alpn-01 checks; default 443 */
  tlsPort?: number;
  /** NAME -> addresses, used instead of DNS for that name (--resolve NAME:IP) */
  resolve?: Map<string, string[]>;
  /** total time for one validation, all addresses together; default 10 s */
  timeoutMs?: number;
  /** most bytes read from an http-01 response; default 8 KiB (a key authorisation is ~90 bytes) */
  maxBytes?: number;
  /** test seam: the resolver used for names without --resolve */
  lookupAll?: (name: string) => Promise<string[]>;
}

export type Validator = (type: ChallengeType, identifier: Identifier, token: string, keyAuthorization: string) => Promise<void>;

async function systemLookup(name: string): Promise<string[]> {
  return (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);
}

/** The addresses to try for an identifier, IPv6 first. */
export async function addressesFor(identifier: Identifier, options: ValidatorOptions): Promise<string[]> {
  let addresses: string[];
  if (identifier.type === "ip") addresses = [identifier.value];
  else {
    const mapped = options.resolve?.get(identifier.value);
    if (mapped) addresses = mapped;
    else {
      try {
        addresses = await (options.lookupAll ?? systemLookup)(identifier.value);
      } catch (error) {
        throw problem("connection", `cannot resolve ${identifier.value}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
  }
  const unique = [...new Set(addresses)];
  return [...unique.filter((a) => isIPv6(a)), ...unique.filter((a) => !isIPv6(a))];
}

const hostForUrl = (address: string) => (isIPv6(address) ? `[${address}]` : address);

/** One http-01 attempt against one address; resolves with the (capped) body. */
function fetchToken(address: string, port: number, hostHeader: string, token: string, timeoutMs: number, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: AcmeProblem | undefined, body?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (error) reject(error);
      else resolve(body ?? "");
    };
    const req = request({
      host: address,
      port,
      method: "GET",
      path: `/.well-known/acme-challenge/${token}`,
      headers: { host: port === 80 ? hostHeader : `${hostHeader}:${port}`, "user-agent": "regcert-acme-validator", accept: "*/*" },
      agent: false,
    });
    const timer = setTimeout(() => finish(problem("connection", `http-01: ${hostForUrl(address)}:${port} did not answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (error: NodeJS.ErrnoException) => finish(problem("connection", `http-01: cannot fetch from ${hostForUrl(address)}:${port}: ${error.code ?? error.message}`)));
    req.on("response", (res) => {
      if (res.statusCode !== 200) {
        finish(problem("unauthorized", `http-01: ${hostForUrl(address)}:${port} answered HTTP ${res.statusCode} for the challenge token`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          finish(problem("unauthorized", `http-01: the response from ${hostForUrl(address)}:${port} is larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => finish(undefined, Buffer.concat(chunks).toString("utf8")));
      res.on("error", (error) => finish(problem("connection", `http-01: ${error.message}`)));
    });
    req.end();
  });
}

/** RFC 8738 §6: the SNI of tls-alpn-01 for an IP is its reverse-DNS name (Node refuses an IP as servername). */
export function reverseDnsName(ip: string): string {
  const bytes = ipToBytes(ip);
  if (bytes.length === 4) return `${Array.from(bytes).reverse().join(".")}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const b of bytes) nibbles.push((b >> 4).toString(16), (b & 15).toString(16));
  return `${nibbles.reverse().join(".")}.ip6.arpa`;
}

/** Checks a tls-alpn-01 certificate (RFC 8737 §3): one SAN equal to the identifier, critical acmeIdentifier = SHA-256(key authorisation). */
export function checkAlpnCertificate(der: Uint8Array, identifier: Identifier, keyAuthorization: string): void {
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(der, Certificate);
  } catch {
    throw problem("unauthorized", "tls-alpn-01: the certificate offered cannot be parsed");
  }
  const extensions = cert.tbsCertificate.extensions ?? [];
  const san = extensions.find((e) => e.extnID === id_ce_subjectAltName);
  if (!san) throw problem("unauthorized", "tls-alpn-01: the certificate has no subjectAltName");
  const names = AsnConvert.parse(san.extnValue, SubjectAlternativeName);
  if (names.length !== 1) throw problem("unauthorized", `tls-alpn-01: the certificate must name exactly the identifier (it has ${names.length} names)`);
  const only = names[0];
  const matches =
    identifier.type === "dns"
      ? only?.dNSName?.toLowerCase() === identifier.value
      : only?.iPAddress !== undefined && Buffer.from(ipToBytes(only.iPAddress)).equals(Buffer.from(ipToBytes(identifier.value)));
  if (!matches) throw problem("unauthorized", `tls-alpn-01: the certificate is not for ${identifier.value}`);
  const ext = extensions.find((e) => e.extnID === ACME_IDENTIFIER_OID);
  if (!ext) throw problem("unauthorized", "tls-alpn-01: the certificate has no acmeIdentifier extension (1.3.6.1.5.5.7.1.31)");
  if (!ext.critical) throw problem("unauthorized", "tls-alpn-01: the acmeIdentifier extension must be critical (RFC 8737 §3)");
  const value = Buffer.from(ext.extnValue.buffer);
  const expected = createHash("sha256").update(keyAuthorization).digest();
  // extnValue holds a DER OCTET STRING of the 32-byte digest
  if (value.length !== 34 || value[0] !== 0x04 || value[1] !== 0x20 || !value.subarray(2).equals(expected)) {
    throw problem("incorrectResponse", "tls-alpn-01: the acmeIdentifier does not match the key authorization");
  }
}

function alpnAttempt(address: string, port: number, identifier: Identifier, keyAuthorization: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error?: AcmeProblem) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const servername = identifier.type === "ip" ? reverseDnsName(identifier.value) : identifier.value;
    const socket = connect({ host: address, port, servername, ALPNProtocols: [ACME_TLS_ALPN], rejectUnauthorized: false });
    const timer = setTimeout(() => finish(problem("connection", `tls-alpn-01: ${hostForUrl(address)}:${port} did not complete a handshake within ${timeoutMs} ms`)), timeoutMs);
    socket.on("error", (error: NodeJS.ErrnoException) => finish(problem(error.code?.startsWith("ERR_SSL") ? "tls" : "connection", `tls-alpn-01: ${hostForUrl(address)}:${port}: ${error.code ?? error.message}`)));
    socket.on("secureConnect", () => {
      if (socket.alpnProtocol !== ACME_TLS_ALPN) {
        finish(problem("unauthorized", `tls-alpn-01: ${hostForUrl(address)}:${port} did not negotiate ALPN ${ACME_TLS_ALPN}`));
        return;
      }
      const peer: X509Certificate | undefined = socket.getPeerX509Certificate();
      if (!peer) {
        finish(problem("unauthorized", "tls-alpn-01: no certificate was offered"));
        return;
      }
      try {
        checkAlpnCertificate(new Uint8Array(peer.raw), identifier, keyAuthorization);
        finish();
      } catch (error) {
        finish(error as AcmeProblem);
      }
    });
  });
}

/**
 * Tries each address in turn until one validates; each attempt gets an equal share of what is left
 * of the total deadline. The last failure is reported (the one for the IPv4 address, usually).
 */
export function createValidator(options: ValidatorOptions = {}): Validator {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 8192;
  return async (type, identifier, token, keyAuthorization) => {
    const deadline = Date.now() + timeoutMs;
    const addresses = await addressesFor(identifier, options);
    if (addresses.length === 0) throw problem("connection", `${identifier.value} has no addresses`);
    let last: AcmeProblem | undefined;
    for (let i = 0; i < addresses.length; i++) {
      const address = addresses[i] as string;
      const share = Math.max(200, Math.floor((deadline - Date.now()) / (addresses.length - i)));
      try {
        if (type === "http-01") {
          const body = await fetchToken(address, options.httpPort ?? 80, identifier.type === "ip" && isIPv6(identifier.value) ? `[${identifier.value}]` : identifier.value, token, share, maxBytes);
          if (body.trim() !== keyAuthorization) throw problem("incorrectResponse", `http-01: ${hostForUrl(address)} answered with the wrong key authorization`, { status: 403 });
        } else {
          await alpnAttempt(address, options.tlsPort ?? 443, identifier, keyAuthorization, share);
        }
        return;
      } catch (error) {
        last = error instanceof AcmeProblem ? error : problem("connection", (error as Error).message);
      }
      if (Date.now() >= deadline) break;
    }
    throw last ?? problem("connection", `cannot validate ${identifier.value}`);
  };
}
