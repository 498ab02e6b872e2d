/** regcert check HOST:PORT: live TLS + GET /v2/ against a running registry, and this machine's client side. */
import { resolve } from "node:path";
import { readTrustBundle } from "../../files/home.js";
import { RegcertError, userError } from "../../pki/errors.js";
import { type Finding, parseCaBundle, probeRegistry, type ProbeResult } from "../../registry/check.js";
import { checkLocalSide } from "../../registry/local-check.js";
import { parseRegistryHost } from "../../trust/host-port.js";
import type { Context } from "../context.js";
import { readInputFile } from "../input.js";
import { parseWholeNumber } from "../options.js";
import { displayPath } from "../paths.js";

export interface CheckFlags {
  ca?: string;
  timeout?: string;
  clientCert?: string;
  clientKey?: string;
  root?: string;
  local?: boolean;
}

/** HOST[:PORT] as clients type it (the trust module's parser, with this command's wording). */
export function parseTarget(input: string): { host: string; port: number; hostPort: string } {
  try {
    const parsed = parseRegistryHost(input);
    return { host: parsed.host, port: parsed.port, hostPort: parsed.hostPort };
  } catch (error) {
    if (error instanceof RegcertError) throw userError(error.code, error.message.replace(/^--host /, ""), error.hint?.replace(/--host /g, "regcert check ") ?? "e.g. regcert check registry.local:5000");
    throw error;
  }
}

/** The CA(s) to trust: --ca FILE|-, else the home's CA; never creates one. */
export async function loadTrust(ctx: Context, ca: string | undefined): Promise<{ pem: string; source: string }> {
  if (ca) {
    const pem = (await readInputFile(ca, "--ca")).toString("utf8");
    let count = 0;
    try {
      count = parseCaBundle(pem).length;
    } catch {
      count = 0;
    }
    if (count === 0) throw userError("regcert.noCertificate", `${ca === "-" ? "standard input" : ca} holds no PEM certificate (--ca)`, "give the CA certificate, e.g. --ca certs/ca.crt");
    return { pem, source: ca === "-" ? "standard input" : displayPath(resolve(ctx.cwd, ca), ctx.cwd) };
  }
  const home = ctx.home();
  const pem = readTrustBundle(home);
  if (!pem) throw userError("regcert.noCa", `there is no CA in ${home} to trust`, "pass the registry's CA with --ca FILE, or create one with regcert init-ca");
  return { pem, source: `${home}/ca.crt` };
}

const LABEL: Record<Finding["status"], string> = { ok: "ok  ", fail: "FAIL", warn: "warn", note: "note" };

function printFindings(ctx: Context, findings: Finding[]): void {
  for (const f of findings) {
    const label = f.status === "fail" ? ctx.ui.bold(LABEL.fail) : f.status === "warn" ? ctx.ui.yellow(LABEL.warn) : f.status === "ok" ? ctx.ui.green(LABEL.ok) : ctx.ui.dim(LABEL.note);
    ctx.ui.info(`  ${label}  ${f.message}`);
    if (f.clientError && f.status !== "ok") ctx.ui.info(`        clients say: ${f.clientError}`);
    if (f.fix && f.status !== "ok") ctx.ui.info(`        fix: ${f.fix}`);
  }
}

function printChain(ctx: Context, result: ProbeResult, trusted: Set<string>): void {
  result.chain.forEach((c, i) => {
    const names = [...c.dns.map((n) => `DNS:${n}`), ...c.ip.map((n) => `IP:${n}`)].join(", ") || "no SANs";
    const mark = trusted.has(c.fingerprint256) ? " (the CA you trust)" : "";
    ctx.ui.info(`        chain[${i}]: ${c.subject || "(empty subject)"}${mark}; issuer ${c.issuer}; ${names}; ${c.notBefore} – ${c.notAfter}; SHA-256 ${c.fingerprint256}`);
  });
}

export async function run(ctx: Context, targetArg: string, flags: CheckFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const seconds = parseWholeNumber(flags.timeout, "--timeout", 10);
  if (seconds < 1 || seconds > 300) throw userError("regcert.invalidTimeout", `--timeout ${seconds} is out of range: use 1 to 300 seconds`, "e.g. --timeout 10");
  if (Boolean(flags.clientCert) !== Boolean(flags.clientKey)) throw userError("regcert.conflictingFlags", "--client-cert and --client-key go together", "give both, e.g. --client-cert certs/client.crt --client-key certs/client.key");
  const trust = await loadTrust(ctx, flags.ca);
  const clientCertPem = flags.clientCert ? (await readInputFile(flags.clientCert, "--client-cert")).toString("utf8") : undefined;
  const clientKeyPem = flags.clientKey ? (await readInputFile(flags.clientKey, "--client-key")).toString("utf8") : undefined;

  const result = await probeRegistry({
    host: target.host,
    port: target.port,
    caPem: trust.pem,
    caSource: trust.source,
    timeoutMs: seconds * 1000,
    ...(clientCertPem && clientKeyPem ? { clientCertPem, clientKeyPem } : {}),
  });
  const root = resolve(ctx.cwd, flags.root ?? "/");
  const local = flags.local === false ? [] : checkLocalSide({ root, host: target.host, port: target.port, caPem: trust.pem });
  const ok = result.ok && !local.some((f) => f.status === "fail");

  if (ctx.ui.json) {
    ctx.ui.result({ command: "check", target: target.hostPort, ca: trust.source, ok, tls: result.tls ?? null, chain: result.chain, http: result.http ?? null, findings: result.findings, local: { root, findings: local } });
  } else {
    ctx.ui.info(`Checking ${target.hostPort}, trusting only ${trust.source}`);
    const handshake = result.findings.findIndex((f) => f.id === "tls.handshake");
    printFindings(ctx, handshake < 0 ? result.findings : result.findings.slice(0, handshake + 1));
    if (handshake >= 0) {
      printChain(ctx, result, new Set(parseCaBundle(trust.pem).map((c) => c.fingerprint256)));
      printFindings(ctx, result.findings.slice(handshake + 1));
    }
    if (local.length > 0) {
      ctx.ui.info(`This machine${root === "/" ? "" : ` (root ${root})`}:`);
      printFindings(ctx, local);
    }
    const firstFail = [...result.findings, ...local].find((f) => f.status === "fail");
    ctx.ui.info(ok ? `Result: a Docker client would succeed${result.http?.authRequired ? " (after docker login)" : ""}.` : `Result: clients would fail: ${firstFail?.message ?? "see above"}`);
  }
  if (!ok) process.exitCode = 1;
}
