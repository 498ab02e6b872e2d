/**
 * The live half of `regcert check`: TCP connect, TLS handshake trusting only the given CA(s), and
 * `GET /v2/`, turned into findings a registry operator can act on. Every verdict is Go's (Docker,
 * containerd, podman and skopeo are Go programs): names are matched by src/pki/verify/hostname.ts
 * (no Common Name fallback, IP hosts only against IP SANs) through a custom checkServerIdentity, and
 * failures are quoted with the exact client error text (reference/client-errors.md).
 */
import { connect as netConnect, isIP, type Socket } from "node:net";
import { X509Certificate } from "node:crypto";
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from "node:tls";
import { certificateNames, hasSanExtension, hostAsIp, hostnameMismatchMessage, matchHostname } from "../pki/verify/hostname.js";
import { shellLine } from "../text/shell.js";

export type FindingStatus = "ok" | "fail" | "warn" | "note";

/** One line of the diagnosis: what was seen and, when it is a problem, the fix. */
export interface Finding {
  /** stable id, e.g. "tls.unknownAuthority" */
  id: string;
  status: FindingStatus;
  message: string;
  /** what a Go client (docker, skopeo, podman) prints for this problem */
  clientError?: string;
  fix?: string;
}

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  dns: string[];
  ip: string[];
  fingerprint256: string;
  ca: boolean;
}

export interface ProbeOptions {
  /** host as typed (DNS name, IPv4, or IPv6 without brackets) */
  host: string;
  port: number;
  /** PEM text of the CA certificate(s) to trust; nothing else is trusted (not even the system store) */
  caPem: string;
  /** where caPem came from, for messages */
  caSource: string;
  /** optional client certificate and key (PEM), for registries that demand mTLS */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** per stage (connect, handshake, response); default 10 000 ms */
  timeoutMs?: number;
  /** the clock, for tests; default now */
  now?: Date;
}

export interface HttpSummary {
  status: number;
  apiVersion?: string;
  authRequired: boolean;
  /** the WWW-Authenticate challenge, e.g. Basic realm="Registry Realm" */
  challenge?: string;
}

export interface ProbeResult {
  target: { host: string; port: number };
  tls?: { version: string; cipher: string };
  chain: CertificateSummary[];
  http?: HttpSummary;
  findings: Finding[];
  /** a Docker client would reach the registry API over verified TLS (with docker login if auth is on) */
  ok: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Go prints times in RFC 3339 without fractions: 2021-01-01T00:00:00Z. */
const goTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** One-line distinguished name, most specific first like Go's pkix.Name.String ("CN=x,O=y"). */
function oneLineName(multiLine: string): string {
  return multiLine.split("\n").filter(Boolean).reverse().join(",");
}

export function summarize(cert: X509Certificate, now: Date): CertificateSummary {
  const names = certificateNames(new Uint8Array(cert.raw));
  const notAfter = new Date(cert.validTo);
  return {
    subject: oneLineName(cert.subject),
    issuer: oneLineName(cert.issuer),
    serial: cert.serialNumber.toLowerCase(),
    notBefore: goTime(new Date(cert.validFrom)),
    notAfter: goTime(notAfter),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000),
    dns: names.dns,
    ip: names.ip,
    fingerprint256: cert.fingerprint256,
    ca: cert.ca,
  };
}

/** The CA certificates in a PEM bundle. */
export function parseCaBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

const isLoopback = (host: string): boolean => host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "::1";

/** The certificates the server sent, leaf first (Node links each to its issuer; stop at a self-signed one). */
function servedChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert: PeerCertificate | undefined = socket.getPeerCertificate(true) as PeerCertificate & { issuerCertificate?: PeerCertificate };
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(new X509Certificate(cert.raw));
    cert = (cert as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return out;
}

/** Builds leaf → … → one of `roots` by signature (not by time), like a verifier would; undefined when there is no path. */
export function chainToRoots(leaf: X509Certificate, intermediates: X509Certificate[], roots: X509Certificate[]): X509Certificate[] | undefined {
  const path = [leaf];
  let current = leaf;
  for (let depth = 0; depth < 6; depth++) {
    const signedBy = (c: X509Certificate) => current.checkIssued(c) && safeVerify(current, c);
    const root = roots.find(signedBy);
    if (root) return [...path, root];
    const next = intermediates.find((c) => c.fingerprint256 !== current.fingerprint256 && signedBy(c));
    if (!next) return undefined;
    path.push(next);
    current = next;
  }
  return undefined;
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

type Stage = "connect" | "handshake" | "response";

interface Outcome {
  socket?: TLSSocket;
  error?: NodeJS.ErrnoException;
  timedOut?: Stage;
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<{ socket?: Socket; error?: NodeJS.ErrnoException; timedOut?: boolean }> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ timedOut: true });
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve({ socket });
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      resolve({ error });
    });
  });
}

function tlsHandshake(socket: Socket, options: ProbeOptions, ca: string, identity: (host: string, cert: PeerCertificate) => Error | undefined): Promise<Outcome> {
  return new Promise((resolve) => {
    const tls = tlsConnect({
      socket,
      // no SNI for IP addresses (RFC 6066), as Go does
      ...(isIP(options.host) ? {} : { servername: options.host }),
      ca,
      ...(options.clientCertPem && options.clientKeyPem ? { cert: options.clientCertPem, key: options.clientKeyPem } : {}),
      // we judge the chain and the name ourselves, and want the served chain even when it is wrong
      rejectUnauthorized: false,
      checkServerIdentity: identity,
      minVersion: "TLSv1.2",
    });
    const timer = setTimeout(() => {
      tls.destroy();
      resolve({ timedOut: "handshake" });
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    tls.once("secureConnect", () => {
      clearTimeout(timer);
      resolve({ socket: tls });
    });
    tls.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      tls.destroy();
      resolve({ error });
    });
  });
}

/** Sends `GET /v2/` on an open stream and reads the status line and headers. */
function getV2(stream: Socket, host: string, port: number, timeoutMs: number): Promise<{ status: number; headers: Record<string, string> } | { error?: NodeJS.ErrnoException; timedOut?: boolean; closed?: boolean }> {
  return new Promise((resolve) => {
    let buffer = "";
    const done = (value: Parameters<typeof resolve>[0]) => {
      clearTimeout(timer);
      stream.removeAllListeners("data");
      stream.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done({ timedOut: true }), timeoutMs);
    stream.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("latin1");
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0 && buffer.length < 65_536) return;
      const [statusLine = "", ...lines] = buffer.slice(0, end < 0 ? buffer.length : end).split("\r\n");
      const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      done(match ? { status: Number(match[1]), headers } : { closed: true });
    });
    stream.once("error", (error: NodeJS.ErrnoException) => done({ error }));
    stream.once("end", () => done({ closed: true }));
    const hostHeader = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    stream.write(`GET /v2/ HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: regcert-check\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
  });
}

const isBadCertificateAlert = (error: NodeJS.ErrnoException): boolean =>
  /ALERT_BAD_CERTIFICATE|CERTIFICATE_REQUIRED|alert bad certificate|certificate required/i.test(`${error.code ?? ""} ${error.message}`);

const looksLikePlainHttp = (error: NodeJS.ErrnoException): boolean =>
  /WRONG_VERSION_NUMBER|wrong version number|packet length too long|HTTP_REQUEST|http request/i.test(`${error.code ?? ""} ${error.message}`);

function mtlsFinding(o: ProbeOptions): Finding {
  const sent = Boolean(o.clientCertPem);
  return {
    id: "tls.clientCertificateRequired",
    status: "fail",
    message: sent
      ? "the registry refused our client certificate (http.tls.clientcas does not hold the CA that signed it)"
      : "the registry requires a client certificate (mTLS: http.tls.clientcas is set) and none was sent",
    clientError: "remote error: tls: bad certificate",
    fix: sent
      ? "issue the client certificate from a CA listed in the registry's http.tls.clientcas (regcert issue --client --cn NAME)"
      : `give each client a certificate: regcert issue --client --cn NAME --name client, then put it in /etc/docker/certs.d/${hostPortOf(o)}/ as client.cert + client.key (regcert install-trust --host ${hostPortOf(o)} --client-cert certs/client.crt --client-key certs/client.key); check with --client-cert/--client-key`,
  };
}

const hostPortOf = (o: { host: string; port: number }): string => `${o.host.includes(":") ? `[${o.host}]` : o.host}:${o.port}`;

function connectFailure(o: ProbeOptions, error: NodeJS.ErrnoException | undefined, timedOut: boolean, timeoutMs: number): Finding {
  const where = hostPortOf(o);
  if (timedOut) {
    return { id: "net.timeout", status: "fail", message: `no TCP connection to ${where} within ${timeoutMs / 1000} s (packets dropped: a firewall, or the wrong address)`, clientError: "dial tcp: i/o timeout", fix: `check the address and that port ${o.port} is open in the firewall between here and the registry` };
  }
  switch (error?.code) {
    case "ECONNREFUSED":
      return { id: "net.refused", status: "fail", message: `nothing listens on ${where} (connection refused)`, clientError: `dial tcp ${where}: connect: connection refused`, fix: `start the registry, and use the port clients publish (docker compose ps; ss -ltnp | grep ${o.port})` };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { id: "net.unknownHost", status: "fail", message: `${o.host} does not resolve (${error.code})`, clientError: `dial tcp: lookup ${o.host}: no such host`, fix: `add ${o.host} to DNS or /etc/hosts on every client, or use an address the certificate names` };
    default:
      return { id: "net.error", status: "fail", message: `cannot connect to ${where}: ${error?.code ?? ""} ${error?.message ?? ""}`.trim() };
  }
}

/** Checks whether HOST:PORT answers plain HTTP (the seeds' insecure registry). */
async function plainHttpProbe(o: ProbeOptions, timeoutMs: number): Promise<number | undefined> {
  const tcp = await tcpConnect(o.host, o.port, timeoutMs);
  if (!tcp.socket) return undefined;
  const response = await getV2(tcp.socket, o.host, o.port, timeoutMs);
  return "status" in response ? response.status : undefined;
}

/** TLS verdicts from the served chain: trust, validity, name. */
function judgeChain(o: ProbeOptions, served: X509Certificate[], roots: X509Certificate[], now: Date): Finding[] {
  const findings: Finding[] = [];
  const leaf = served[0];
  if (!leaf) return [{ id: "tls.noCertificate", status: "fail", message: "the server sent no certificate" }];
  const path = chainToRoots(leaf, served.slice(1), roots);
  const rootNames = roots.map((r) => `"${oneLineName(r.subject)}" (SHA-256 ${r.fingerprint256.slice(0, 23)}…)`).join(", ");
  if (path) {
    const root = path[path.length - 1] as X509Certificate;
    findings.push({ id: "tls.trusted", status: "ok", message: `chain: ${path.length - 1 === 1 ? "signed by" : `${path.length - 2} intermediate(s), then`} CA "${oneLineName(root.subject)}" from ${o.caSource}` });
  } else {
    const sameName = roots.find((r) => r.subject === leaf.issuer);
    const selfSigned = leaf.checkIssued(leaf) && safeVerify(leaf, leaf);
    const message = selfSigned
      ? `the registry serves a self-signed certificate ("${oneLineName(leaf.subject)}"), not one signed by ${rootNames}`
      : sameName
        ? `the served certificate names issuer "${oneLineName(leaf.issuer)}", but it was signed by a different key than the CA of that name in ${o.caSource} (a re-created CA with the same name?)`
        : `the served certificate was signed by "${oneLineName(leaf.issuer)}"; ${o.caSource} holds ${rootNames}` + (served.length === 1 ? " (the server sent no intermediates: if an intermediate signed it, append it to the certificate file)" : "");
    findings.push({
      id: "tls.unknownAuthority",
      status: "fail",
      message,
      clientError: "x509: certificate signed by unknown authority",
      fix: `either trust the CA that signed it (check --ca THAT_CA.crt; then regcert install-trust --ca THAT_CA.crt --host ${hostPortOf(o)}), or re-issue the registry certificate from this CA (regcert issue --dns … --ip …) and restart the registry (it reads its key pair only at startup)`,
    });
  }
  for (const cert of path ?? [leaf]) {
    const notBefore = new Date(cert.validFrom);
    const notAfter = new Date(cert.validTo);
    const which = cert === leaf ? "the registry certificate" : `CA "${oneLineName(cert.subject)}"`;
    if (now > notAfter) {
      findings.push({ id: "tls.expired", status: "fail", message: `${which} expired on ${goTime(notAfter)}`, clientError: `x509: certificate has expired or is not yet valid: current time ${goTime(now)} is after ${goTime(notAfter)}`, fix: cert === leaf ? "issue a new one (regcert renew --cert FILE, or regcert issue … --force) and restart the registry" : "rotate the CA (regcert ca rotate) and re-issue" });
    } else if (now < notBefore) {
      findings.push({ id: "tls.notYetValid", status: "fail", message: `${which} is not valid before ${goTime(notBefore)}`, clientError: `x509: certificate has expired or is not yet valid: current time ${goTime(now)} is before ${goTime(notBefore)}`, fix: "check the clocks (timedatectl) of the machine that issued it and of the clients" });
    }
  }
  if (!findings.some((f) => f.id === "tls.expired" || f.id === "tls.notYetValid")) {
    const days = Math.floor((new Date(leaf.validTo).getTime() - now.getTime()) / 86_400_000);
    findings.push({ id: "tls.validity", status: days < 30 ? "warn" : "ok", message: `valid until ${goTime(new Date(leaf.validTo))} (${days} days left)`, ...(days < 30 ? { fix: "renew soon: regcert renew --cert FILE" } : {}) });
  }
  const der = new Uint8Array(leaf.raw);
  const names = certificateNames(der);
  const shown = [...names.dns.map((n) => `DNS:${n}`), ...names.ip.map((n) => `IP:${n}`)].join(", ") || "no SANs";
  if (matchHostname(names, o.host)) {
    findings.push({ id: "tls.name", status: "ok", message: `name: ${o.host} is in the certificate (${shown})` });
  } else {
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(leaf.subject)?.[1];
    const ip = hostAsIp(o.host) !== undefined;
    const dnsList = names.dns.join(" ");
    findings.push({
      id: "tls.nameMismatch",
      status: "fail",
      message: `name: ${o.host} is not in the certificate (it has ${shown}${cn !== undefined ? `; the CN "${cn}" is never used by Go clients` : ""})`,
      clientError: hostnameMismatchMessage(names, o.host, hasSanExtension(der), cn),
      fix: `re-issue with that ${ip ? "IP" : "name"}: ${shellLine(["regcert", "issue", ...names.dns, ...names.ip, o.host])} --name NAME --out DIR --force (the --name and --out it was issued with: regcert status lists them), and restart the registry${names.dns.length > 0 && ip ? `; or connect by name (${dnsList})` : ""}`,
    });
  }
  const eku = leaf.keyUsage;
  if (eku && eku.length > 0 && !eku.includes("1.3.6.1.5.5.7.3.1") && !eku.includes("2.5.29.37.0")) {
    findings.push({ id: "tls.noServerAuth", status: "fail", message: "the certificate's extended key usage does not allow serverAuth", clientError: "x509: certificate specifies an incompatible key usage", fix: "re-issue it as a server certificate (regcert issue, without --client)" });
  }
  return findings;
}

function judgeHttp(o: ProbeOptions, status: number, headers: Record<string, string>): { http: HttpSummary; findings: Finding[] } {
  const apiVersion = headers["docker-distribution-api-version"];
  const challenge = headers["www-authenticate"];
  const http: HttpSummary = { status, authRequired: status === 401, ...(apiVersion ? { apiVersion } : {}), ...(challenge ? { challenge } : {}) };
  const findings: Finding[] = [];
  if (status === 200 || status === 401) {
    findings.push({ id: "http.v2", status: apiVersion ? "ok" : "warn", message: `GET /v2/: ${status}${apiVersion ? `, Docker-Distribution-Api-Version: ${apiVersion}` : ", but no Docker-Distribution-Api-Version header (a proxy in front of the registry?)"}` });
    if (status === 401) findings.push({ id: "http.authRequired", status: "note", message: `authentication required (${challenge ?? "no WWW-Authenticate header"})`, fix: `docker login ${hostPortOf(o)} (users: regcert htpasswd USER)` });
  } else {
    findings.push({ id: "http.unexpected", status: "fail", message: `GET /v2/ answered ${status}: this is not a registry API root`, fix: status === 404 ? "a different service listens on this port, or a proxy does not pass /v2/ through" : "see the registry's log" });
  }
  return { http, findings };
}

/** Connects, handshakes and asks `GET /v2/`; never throws for network or TLS problems (they are findings). */
export async function probeRegistry(o: ProbeOptions): Promise<ProbeResult> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = o.now ?? new Date();
  const result: ProbeResult = { target: { host: o.host, port: o.port }, chain: [], findings: [], ok: false };
  const roots = parseCaBundle(o.caPem);
  if (isLoopback(o.host)) {
    result.findings.push({ id: "note.loopback", status: "note", message: `${o.host} is loopback: dockerd treats 127.0.0.0/8 and ::1 as insecure registries and would accept any certificate there; containerd, podman and skopeo still verify, as this check does` });
  }

  const tcp = await tcpConnect(o.host, o.port, timeoutMs);
  if (!tcp.socket) {
    result.findings.push(connectFailure(o, tcp.error, tcp.timedOut === true, timeoutMs));
    return result;
  }
  result.findings.push({ id: "net.connect", status: "ok", message: `TCP connection to ${hostPortOf(o)}` });

  // Go's rules for the name, never Node's (which falls back to the CN)
  const identity = (_host: string, cert: PeerCertificate): Error | undefined =>
    matchHostname(certificateNames(new Uint8Array(cert.raw)), o.host) ? undefined : new Error(`name mismatch for ${o.host}`);
  const hs = await tlsHandshake(tcp.socket, o, o.caPem, identity);
  if (!hs.socket) {
    if (hs.timedOut) {
      result.findings.push({ id: "tls.timeout", status: "fail", message: `the TLS handshake did not finish within ${timeoutMs / 1000} s: something accepts connections on ${hostPortOf(o)} but does not answer`, clientError: "net/http: TLS handshake timeout", fix: "check that the registry (not another service or a stuck proxy) owns this port, and its log" });
    } else if (hs.error && isBadCertificateAlert(hs.error)) {
      result.findings.push(mtlsFinding(o));
    } else if (hs.error && looksLikePlainHttp(hs.error)) {
      const status = await plainHttpProbe(o, timeoutMs);
      result.findings.push(
        status !== undefined
          ? { id: "tls.plainHttp", status: "fail", message: `${hostPortOf(o)} speaks plain HTTP, not TLS (GET /v2/ over HTTP answered ${status})`, clientError: 'http: server gave HTTP response to HTTPS client', fix: `give the registry TLS: regcert issue ${o.host}, then regcert registry-config (http.tls) and restart it; insecure-registries would only hide the problem (and break docker login)` }
          : { id: "tls.notTls", status: "fail", message: `${hostPortOf(o)} does not speak TLS (${hs.error.code ?? hs.error.message})`, fix: "is this the registry's port?" },
      );
    } else {
      result.findings.push({ id: "tls.handshakeFailed", status: "fail", message: `TLS handshake failed: ${hs.error?.code ?? ""} ${hs.error?.message ?? ""}`.trim() });
    }
    return result;
  }

  const socket = hs.socket;
  const cipher = socket.getCipher();
  result.tls = { version: socket.getProtocol() ?? "unknown", cipher: cipher.standardName ?? cipher.name };
  result.findings.push({ id: "tls.handshake", status: "ok", message: `TLS handshake: ${result.tls.version}, ${result.tls.cipher}` });
  const served = servedChain(socket);
  result.chain = served.map((c) => summarize(c, now));
  result.findings.push(...judgeChain(o, served, roots, now));
  // a second opinion for what judgeChain does not model (name constraints, CA flags of intermediates)
  if (!socket.authorized && !result.findings.some((f) => f.status === "fail")) {
    const why = socket.authorizationError instanceof Error ? socket.authorizationError.message : String(socket.authorizationError);
    result.findings.push({ id: "tls.verifyFailed", status: "fail", message: `the chain does not verify: ${why}`, fix: `regcert verify --cert THE_SERVED_CERT --ca ${o.caSource} --host ${o.host} lists every reason` });
  }

  const response = await getV2(socket, o.host, o.port, timeoutMs);
  if ("status" in response) {
    const judged = judgeHttp(o, response.status, response.headers);
    result.http = judged.http;
    result.findings.push(...judged.findings);
  } else if (response.error && isBadCertificateAlert(response.error)) {
    // TLS 1.3: the server checks the client certificate after the client's handshake is done
    result.findings.push(mtlsFinding(o));
  } else if (response.timedOut) {
    result.findings.push({ id: "http.timeout", status: "fail", message: `GET /v2/ got no answer within ${timeoutMs / 1000} s`, fix: "see the registry's log" });
  } else {
    const error = response.error;
    result.findings.push(
      o.clientCertPem === undefined && (error?.code === "ECONNRESET" || response.closed)
        ? { ...mtlsFinding(o), message: "the registry closed the connection right after the handshake without answering: it most likely requires a client certificate (mTLS)" }
        : { id: "http.error", status: "fail", message: `GET /v2/ failed: ${error?.code ?? "connection closed"} ${error?.message ?? ""}`.trim() },
    );
  }
  result.ok = !result.findings.some((f) => f.status === "fail");
  return result;
}
