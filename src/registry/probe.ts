/**
 * The I/O half of `regcert check`: TCP connect, a TLS handshake that trusts nothing (the served chain
 * is captured as DER and judged later by diagnose.ts through pki/verify, the validator `regcert verify`
 * uses), and `GET /v2/`. It returns what it observed and never judges; network and TLS failures are
 * observations too, so probeRegistry never throws for them. Every stage has a deadline and every read
 * a size cap.
 */
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from "node:tls";

export interface ProbeOptions {
  /** host as typed (DNS name, IPv4, or IPv6 without brackets) */
  host: string;
  port: number;
  /** optional client certificate and key (PEM), for registries that demand mTLS */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** per stage (connect, handshake, response); default 10 000 ms */
  timeoutMs?: number;
}

/** Why a stage failed, in the words diagnose.ts looks up. */
export type ConnectFailure = "timeout" | "refused" | "unknownHost" | "other";
export type HandshakeFailure = "timeout" | "badCertificateAlert" | "notTls" | "other";
export type ResponseFailure = "timeout" | "badCertificateAlert" | "closed" | "reset" | "other";

export interface HttpResponse {
  status: number;
  /** lower-case names; the last value wins */
  headers: Record<string, string>;
}

export interface Observation {
  target: { host: string; port: number };
  timeoutMs: number;
  clientCertificateSent: boolean;
  connect: { ok: true } | { ok: false; failure: ConnectFailure; code?: string; message?: string };
  /** absent when the TCP connection failed */
  tls?:
    | { ok: true; version: string; cipher: string; /** the certificates the server sent, leaf first, DER */ chain: Uint8Array[] }
    | { ok: false; failure: HandshakeFailure; code?: string; message?: string };
  /** when the handshake failed as if the port spoke HTTP: GET /v2/ over plain HTTP (undefined: no HTTP answer) */
  plainHttp?: HttpResponse;
  /** GET /v2/ over TLS, when the handshake succeeded */
  http?: ({ ok: true } & HttpResponse) | { ok: false; failure: ResponseFailure; code?: string; message?: string };
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** status line and headers of GET /v2/: a registry sends well under 4 KiB */
const MAX_HEADER_BYTES = 65_536;
/** the longest served chain kept (Go's verifier gives up long before) */
const MAX_CHAIN = 16;

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<{ socket: Socket } | { failure: ConnectFailure; code?: string; message?: string }> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ failure: "timeout" });
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve({ socket });
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const failure: ConnectFailure = error.code === "ECONNREFUSED" ? "refused" : error.code === "ENOTFOUND" || error.code === "EAI_AGAIN" ? "unknownHost" : "other";
      resolve({ failure, ...(error.code ? { code: error.code } : {}), message: error.message });
    });
  });
}

const isBadCertificateAlert = (error: NodeJS.ErrnoException): boolean =>
  /ALERT_BAD_CERTIFICATE|CERTIFICATE_REQUIRED|alert bad certificate|certificate required/i.test(`${error.code ?? ""} ${error.message}`);

const looksLikePlainHttp = (error: NodeJS.ErrnoException): boolean =>
  /WRONG_VERSION_NUMBER|wrong version number|packet length too long|HTTP_REQUEST|http request/i.test(`${error.code ?? ""} ${error.message}`);

/** The certificates the server sent, leaf first, as DER (Node links each to its issuer among them). */
function servedChain(socket: TLSSocket): Uint8Array[] {
  type Linked = PeerCertificate & { issuerCertificate?: Linked };
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  let cert: Linked | undefined = socket.getPeerCertificate(true) as Linked;
  while (cert && cert.raw && !seen.has(cert.fingerprint256) && out.length < MAX_CHAIN) {
    seen.add(cert.fingerprint256);
    out.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

function tlsHandshake(socket: Socket, o: ProbeOptions, timeoutMs: number): Promise<{ socket: TLSSocket } | { failure: HandshakeFailure; code?: string; message?: string }> {
  return new Promise((resolve) => {
    const tls = tlsConnect({
      socket,
      // no SNI for IP addresses (RFC 6066), as Go does
      ...(isIP(o.host) ? {} : { servername: o.host }),
      ...(o.clientCertPem && o.clientKeyPem ? { cert: o.clientCertPem, key: o.clientKeyPem } : {}),
      // trust nothing here: the served chain is judged by diagnose (pki/verify, Go's rules)
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      minVersion: "TLSv1.2",
    });
    const timer = setTimeout(() => {
      tls.destroy();
      resolve({ failure: "timeout" });
    }, timeoutMs);
    tls.once("secureConnect", () => {
      clearTimeout(timer);
      resolve({ socket: tls });
    });
    tls.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      tls.destroy();
      const failure: HandshakeFailure = isBadCertificateAlert(error) ? "badCertificateAlert" : looksLikePlainHttp(error) ? "notTls" : "other";
      resolve({ failure, ...(error.code ? { code: error.code } : {}), message: error.message });
    });
  });
}

type GetResult = ({ ok: true } & HttpResponse) | { ok: false; failure: ResponseFailure; code?: string; message?: string };

/** Sends `GET /v2/` on an open stream and reads the status line and headers (at most MAX_HEADER_BYTES, within timeoutMs). */
function getV2(stream: Socket, host: string, port: number, timeoutMs: number): Promise<GetResult> {
  return new Promise((resolve) => {
    let buffer = "";
    let settled = false;
    const done = (value: GetResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.removeAllListeners("data");
      stream.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done({ ok: false, failure: "timeout" }), timeoutMs);
    stream.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("latin1");
      const end = buffer.indexOf("\r\n\r\n");
      if (end < 0 && buffer.length < MAX_HEADER_BYTES) return;
      const [statusLine = "", ...lines] = buffer.slice(0, end < 0 ? MAX_HEADER_BYTES : end).split("\r\n");
      const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      done(match ? { ok: true, status: Number(match[1]), headers } : { ok: false, failure: "closed" });
    });
    stream.once("error", (error: NodeJS.ErrnoException) =>
      done({ ok: false, failure: isBadCertificateAlert(error) ? "badCertificateAlert" : error.code === "ECONNRESET" ? "reset" : "other", ...(error.code ? { code: error.code } : {}), message: error.message }),
    );
    stream.once("end", () => done({ ok: false, failure: "closed" }));
    const hostHeader = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    stream.write(`GET /v2/ HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: regcert-check\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
  });
}

/** Connects, handshakes (trusting nothing) and asks `GET /v2/`; returns what happened at each stage. */
export async function probeRegistry(o: ProbeOptions): Promise<Observation> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const observation: Observation = {
    target: { host: o.host, port: o.port },
    timeoutMs,
    clientCertificateSent: Boolean(o.clientCertPem && o.clientKeyPem),
    connect: { ok: true },
  };
  const tcp = await tcpConnect(o.host, o.port, timeoutMs);
  if (!("socket" in tcp)) {
    observation.connect = { ok: false, ...tcp };
    return observation;
  }
  const hs = await tlsHandshake(tcp.socket, o, timeoutMs);
  if (!("socket" in hs)) {
    observation.tls = { ok: false, ...hs };
    if (hs.failure === "notTls") {
      const again = await tcpConnect(o.host, o.port, timeoutMs);
      if ("socket" in again) {
        const response = await getV2(again.socket, o.host, o.port, timeoutMs);
        if (response.ok) observation.plainHttp = { status: response.status, headers: response.headers };
      }
    }
    return observation;
  }
  const socket = hs.socket;
  const cipher = socket.getCipher();
  observation.tls = { ok: true, version: socket.getProtocol() ?? "unknown", cipher: cipher.standardName ?? cipher.name, chain: servedChain(socket) };
  observation.http = await getV2(socket, o.host, o.port, timeoutMs);
  return observation;
}
