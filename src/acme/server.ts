/**
 * createAcmeServer: the ACME protocol on a Node HTTPS server. By default the server's own TLS
 * certificate is issued from the same CA (through issueCertificate, kept in memory only) for the names
 * it listens on, so a client that trusts the CA for its registry also trusts the ACME endpoint.
 *
 *   const server = createAcmeServer({ ca: issuer, allowDns: ["localhost"], httpPort: 5002 });
 *   const { directoryUrl } = await server.listen(14000, "127.0.0.1");
 *   …
 *   await server.close();
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { isIPv6 } from "node:net";
import { issueCertificate } from "../pki/issue.js";
import type { Issuer } from "../pki/issuer.js";
import { classifyNames } from "../pki/names.js";
import { parseAllowList } from "./policy.js";
import { problem } from "./problems.js";
import { AcmeProtocol, type AcmeProtocolOptions, type RateLimit } from "./protocol.js";
import { MemoryAcmeStore, type AcmeStore } from "./store.js";
import { createValidator, type Validator, type ValidatorOptions } from "./validators.js";

/** A JWS request is a few KiB (a CSR with 100 names, RSA-8192, stays far below). */
export const MAX_REQUEST_BYTES = 64 * 1024;
const SERVER_CERT_REFRESH_MS = 24 * 3600 * 1000;

export interface AcmeServerOptions {
  /** the issuing CA (prepareIssuer / loadIssuer) */
  ca: Issuer;
  /** default: in memory (lost on exit); the CLI passes the durable file store */
  store?: AcmeStore;
  /** names this server certifies: exact names or "*.suffix" (any name below suffix) */
  allowDns?: string[];
  /** address ranges this server certifies, CIDR */
  allowIp?: string[];
  /** certificate lifetime in days; default 7 */
  days?: number;
  /** port of http-01 checks; default 80 */
  httpPort?: number;
  /** port of tls-alpn-01 checks; default 443 */
  tlsPort?: number;
  /** NAME -> addresses for validation instead of DNS */
  resolve?: Record<string, string[]> | Map<string, string[]>;
  /** validation deadline per challenge; default 10 s */
  validationTimeoutMs?: number;
  /** replaces the network validator (tests) */
  validator?: Validator;
  rateLimit?: Partial<RateLimit>;
  /** serve plain HTTP (tests and reverse proxies only: RFC 8555 requires HTTPS towards clients); default false */
  insecureHttp?: boolean;
  /** names for the server's own certificate; default the listen host (plus localhost/127.0.0.1/::1 on loopback) */
  serverNames?: string[];
  onIssued?: AcmeProtocolOptions["onIssued"];
  onRevoked?: AcmeProtocolOptions["onRevoked"];
  now?: () => Date;
}

export interface AcmeServer {
  readonly protocol: AcmeProtocol;
  /** the request listener, for callers that run their own server */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** starts listening; resolves with the URLs once bound */
  listen(port: number, host?: string): Promise<{ url: string; directoryUrl: string; port: number }>;
  /** the PEM chain the HTTPS listener presents (undefined with insecureHttp) */
  readonly serverCertificatePem: string | undefined;
  /** stops accepting, waits for running validations, closes the store */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

function serverNamesFor(host: string, given: string[] | undefined): string[] {
  if (given && given.length > 0) return given;
  if (host === "0.0.0.0" || host === "::") return ["localhost", "127.0.0.1", "::1"];
  return LOOPBACK.has(host) ? [...new Set([host, "localhost", "127.0.0.1", "::1"])] : [host];
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function createAcmeServer(options: AcmeServerOptions): AcmeServer {
  const store = options.store ?? new MemoryAcmeStore();
  const resolve = options.resolve instanceof Map ? options.resolve : new Map(Object.entries(options.resolve ?? {}));
  const validatorOptions: ValidatorOptions = { resolve };
  if (options.httpPort !== undefined) validatorOptions.httpPort = options.httpPort;
  if (options.tlsPort !== undefined) validatorOptions.tlsPort = options.tlsPort;
  if (options.validationTimeoutMs !== undefined) validatorOptions.timeoutMs = options.validationTimeoutMs;
  const protocolOptions: AcmeProtocolOptions = {
    issuer: options.ca,
    store,
    validate: options.validator ?? createValidator(validatorOptions),
    allow: parseAllowList(options.allowDns ?? [], options.allowIp ?? []),
    baseUrl: "https://unbound.invalid",
  };
  if (options.days !== undefined) protocolOptions.days = options.days;
  if (options.rateLimit) protocolOptions.rateLimit = options.rateLimit;
  if (options.onIssued) protocolOptions.onIssued = options.onIssued;
  if (options.onRevoked) protocolOptions.onRevoked = options.onRevoked;
  if (options.now) protocolOptions.now = options.now;
  const protocol = new AcmeProtocol(protocolOptions);

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const body = req.method === "POST" ? await readBody(req) : Buffer.alloc(0);
      const response =
        body === undefined
          ? protocol.problemResponse(problem("malformed", `request bodies are limited to ${MAX_REQUEST_BYTES} bytes`, { status: 413 }))
          : await protocol.handle({ method: req.method ?? "GET", path: req.url ?? "/", contentType: req.headers["content-type"], body });
      res.writeHead(response.status, response.headers);
      res.end(req.method === "HEAD" ? undefined : response.body);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/problem+json" });
      res.end(JSON.stringify({ type: "urn:ietf:params:acme:error:serverInternal", detail: "internal error", status: 500 }));
      process.emitWarning(`acme: ${(error as Error)?.message}`);
    });
  };

  let server: Server | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let serverCertificatePem: string | undefined;

  const api: AcmeServer = {
    protocol,
    handler,
    get serverCertificatePem() {
      return serverCertificatePem;
    },
    listen(port: number, host = "127.0.0.1") {
      if (options.insecureHttp) server = createHttpServer(handler);
      else {
        // the listener's own certificate: from the same CA, in memory only, 30 days, replaced daily
        // (a server that runs for months never presents an expired certificate)
        const names = classifyNames(serverNamesFor(host, options.serverNames));
        const fresh = () => {
          const leaf = issueCertificate({ issuer: options.ca, names, days: 30 }, options.now ? { now: options.now } : {});
          serverCertificatePem = `${leaf.certificatePem.trimEnd()}\n${options.ca.certificate.pem.trimEnd()}\n`;
          return { cert: serverCertificatePem, key: leaf.privateKeyPem };
        };
        const https = createHttpsServer(fresh(), handler);
        renewTimer = setInterval(() => {
          try {
            https.setSecureContext(fresh());
          } catch (error) {
            process.emitWarning(`acme: could not renew the server certificate: ${(error as Error).message}`);
          }
        }, SERVER_CERT_REFRESH_MS);
        renewTimer.unref();
        server = https;
      }
      const s = server;
      // bounded request time: a client that trickles its headers or body is cut off
      s.headersTimeout = 15_000;
      s.requestTimeout = 30_000;
      s.keepAliveTimeout = 5_000;
      return new Promise((resolvePromise, reject) => {
        s.once("error", reject);
        s.listen(port, host, () => {
          s.off("error", reject);
          const address = s.address();
          const bound = typeof address === "object" && address ? address.port : port;
          const shown = isIPv6(host) ? `[${host}]` : host === "0.0.0.0" || host === "::" ? "localhost" : host;
          const url = `${options.insecureHttp ? "http" : "https"}://${shown}:${bound}`;
          protocol.setBaseUrl(url);
          protocol.resumePending();
          resolvePromise({ url, directoryUrl: protocol.directoryUrl, port: bound });
        });
      });
    },
    async close() {
      if (renewTimer) clearInterval(renewTimer);
      if (server) {
        const s = server;
        await new Promise<void>((r) => {
          s.close(() => r());
          s.closeAllConnections();
        });
      }
      await protocol.settle();
      try {
        await store.flush();
      } finally {
        await store.close();
      }
    },
  };
  return api;
}
