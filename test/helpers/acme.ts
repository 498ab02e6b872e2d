/**
 * ACME test set-up shared by the suites that drive `regcert acme serve` (or the in-process server):
 * the http-01 responder on loopback, acme-client trusting the test CA, a client with a fresh account
 * and quick polling, one order done over http-01, the built CLI's `acme serve` started until it serves,
 * and lego pointed at a directory. Everything listens on and connects to 127.0.0.1 only.
 */
import { createServer, type Server } from "node:http";
import { Agent } from "node:https";
import { isIP } from "node:net";
import acme from "acme-client";
import { BIN } from "./cli.js";
import { freePort } from "./ports.js";
import { startProcess, type RunningProcess } from "./process.js";
import { runTool, type ToolResult } from "./run-tool.js";

export type AcmeClient = InstanceType<typeof acme.Client>;
type AcmeOrder = Awaited<ReturnType<AcmeClient["createOrder"]>>;
type AcmeAuthorization = Awaited<ReturnType<AcmeClient["getAuthorizations"]>>[number];

/** An http-01 responder: answers GET /.well-known/acme-challenge/TOKEN with tokens.get(TOKEN), else 404. */
export interface Http01Responder {
  port: number;
  tokens: Map<string, string>;
  close(): Promise<void>;
}

/** Starts the http-01 responder on 127.0.0.1 (a free port unless one is given). */
export async function startHttp01Responder(port?: number): Promise<Http01Responder> {
  const listenPort = port ?? (await freePort());
  const tokens = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const answer = tokens.get(req.url?.split("/").pop() ?? "");
    res.writeHead(answer ? 200 : 404).end(answer ?? "");
  });
  await new Promise<void>((r) => server.listen(listenPort, "127.0.0.1", r));
  return { port: listenPort, tokens, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** acme-client (its shared axios instance) trusts exactly these CA certificates from now on; its logger is silenced. */
export function trustAcmeCa(caPem: string | string[]): void {
  acme.axios.defaults.httpsAgent = new Agent({ ca: caPem, keepAlive: false });
  acme.setLogger(() => undefined);
}

export interface AcmeClientOptions {
  /** default: a new P-256 key */
  accountKey?: Buffer | string;
  contact?: string[];
  /** create the account (termsOfServiceAgreed); default true */
  register?: boolean;
}

/** An acme-client Client on `directoryUrl` with quick polling (50-300 ms, 100 attempts), its account created. */
export async function newAcmeClient(directoryUrl: string, options: AcmeClientOptions = {}): Promise<AcmeClient> {
  const accountKey = options.accountKey ?? (await acme.crypto.createPrivateEcdsaKey());
  const client = new acme.Client({ directoryUrl, accountKey, backoffMin: 50, backoffMax: 300, backoffAttempts: 100 });
  if (options.register !== false) await client.createAccount({ termsOfServiceAgreed: true, ...(options.contact ? { contact: options.contact } : {}) });
  return client;
}

/** Answers an authorization's http-01 challenge through the responder and waits until the server says valid. */
export async function completeHttp01(client: AcmeClient, authz: AcmeAuthorization, responder: Http01Responder): Promise<void> {
  const challenge = authz.challenges.find((c) => c.type === "http-01");
  if (!challenge) throw new Error(`no http-01 challenge offered for ${authz.identifier.value}`);
  responder.tokens.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
  await client.completeChallenge(challenge);
  await client.waitForValidStatus(challenge);
}

/** Finalizes a ready order with a CSR of a fresh P-256 key for `altNames`; resolves with the downloaded chain (PEM). */
export async function finalizeAndDownload(client: AcmeClient, order: AcmeOrder, altNames: string[]): Promise<string> {
  const [, csr] = await acme.crypto.createCsr({ altNames }, await acme.crypto.createPrivateEcdsaKey());
  const done = await client.finalizeOrder(order, csr);
  if (done.status !== "valid") throw new Error(`order ${done.url} is ${done.status} after finalize, not valid`);
  return client.getCertificate(done);
}

/** One whole order over http-01 (DNS or IP identifiers): order, every challenge, finalize, download. Resolves with the chain. */
export async function obtainCertificate(client: AcmeClient, responder: Http01Responder, altNames: string[]): Promise<string> {
  const order = await client.createOrder({ identifiers: altNames.map((value) => ({ type: isIP(value) ? "ip" : "dns", value })) });
  for (const authz of await client.getAuthorizations(order)) await completeHttp01(client, authz, responder);
  return finalizeAndDownload(client, order, altNames);
}

/** What the server answered to a POST-as-GET, whatever its status (acme-client's own calls throw on errors). */
export interface AcmeAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

/** POST-as-GET (RFC 8555 §6.3) of `url`, signed with the client's account (kid): status, content type and parsed body. */
export async function postAsGet(client: AcmeClient, url: string): Promise<AcmeAnswer> {
  const api = (client as unknown as { api: { apiRequest(url: string, payload: null, codes: number[]): Promise<{ status: number; headers: Record<string, string>; data: unknown }> } }).api;
  const resp = await api.apiRequest(url, null, []);
  return { status: resp.status, contentType: String(resp.headers["content-type"] ?? ""), body: resp.data };
}

/** A running `regcert acme serve` (the built CLI) and its directory URL. */
export interface AcmeServe {
  process: RunningProcess;
  directoryUrl: string;
  port: number;
}

/**
 * Starts `regcert acme serve --listen 127.0.0.1:PORT ARGS…` with `env` (the workspace's: REGCERT_HOME)
 * and waits until it serves (bounded). The caller stops it (afterAll).
 */
export async function startAcmeServe(env: NodeJS.ProcessEnv, args: string[], options: { port?: number; timeoutMs?: number } = {}): Promise<AcmeServe> {
  const port = options.port ?? (await freePort());
  const process_ = await startProcess(process.execPath, [BIN, "acme", "serve", "--listen", `127.0.0.1:${port}`, ...args], {
    env: { ...env, NO_COLOR: "1" },
    ready: /Serving; stop with Ctrl-C/,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  const directoryUrl = /ACME directory: (\S+)/.exec(process_.logs())?.[1];
  if (!directoryUrl) throw new Error(`acme serve printed no directory URL:\n${process_.logs()}`);
  return { process: process_, directoryUrl, port };
}

/** `lego --server DIRECTORY --accept-tos --email … --path PATH ARGS…`, trusting `caFile`, HOME set (lego writes there). */
export function runLego(options: { server: string; path: string; caFile: string; home: string }, args: string[]): Promise<ToolResult> {
  return runTool("lego", ["--server", options.server, "--accept-tos", "--email", "ops@e2e.test", "--path", options.path, ...args], {
    env: { LEGO_CA_CERTIFICATES: options.caFile, HOME: options.home },
    timeoutMs: 90_000,
  });
}

/** The result when the tool exited 0; otherwise throws with its command line, exit code, output tails and `context`. */
export function succeeded(result: ToolResult, context = ""): ToolResult {
  if (result.code !== 0) throw new Error(`${result.command}\nexit ${result.code}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}${context}`);
  return result;
}
