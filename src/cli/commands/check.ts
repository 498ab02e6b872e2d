/** regcert check HOST:PORT: live TLS + GET /v2/ against a running registry, and this machine's client side. */
import { resolve } from "node:path";
import type { Finding } from "../../pki/findings.js";
import { userError } from "../../pki/errors.js";
import { checkRegistry, clientSettingsFrom, fromLocalFinding, type Diagnosis } from "../../registry/check.js";
import { checkLocalSide } from "../../registry/local-check.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import type { Context } from "../context.js";
import { readInputFile } from "../input.js";
import { parseWholeNumber } from "../options.js";
import { reissueFromIndex } from "../reissue-lookup.js";
import { parseTarget, readTrustedCas } from "../target.js";

export interface CheckFlags {
  ca?: string;
  timeout?: string;
  clientCert?: string;
  clientKey?: string;
  root?: string;
  local?: boolean;
}

const LABEL: Record<Finding["severity"], string> = { ok: "ok  ", error: "FAIL", warning: "warn", note: "note" };
const clean = (text: string): string => sanitizeForTerminal(text);

function printFindings(ctx: Context, findings: Finding[]): void {
  for (const f of findings) {
    const label = f.severity === "error" ? ctx.ui.bold(LABEL.error) : f.severity === "warning" ? ctx.ui.yellow(LABEL.warning) : f.severity === "ok" ? ctx.ui.green(LABEL.ok) : ctx.ui.dim(LABEL.note);
    ctx.ui.info(`  ${label}  ${clean(f.message)}`);
    if (f.go && f.severity !== "ok") ctx.ui.info(`        clients say: ${clean(f.go)}`);
    if (f.fix && f.severity !== "ok") ctx.ui.info(`        fix: ${clean(f.fix)}`);
  }
}

function printChain(ctx: Context, result: Diagnosis): void {
  result.chain.forEach((c, i) => {
    const names = [...c.dns.map((n) => `DNS:${n}`), ...c.ip.map((n) => `IP:${n}`)].join(", ") || "no SANs";
    // a served certificate that is itself in --ca (the seeds' self-signed ca.crt) is trusted as it is, like Go does
    const mark = c.trusted ? (i === 0 ? " (given as the CA itself: trusted as it is)" : " (the CA you trust)") : "";
    ctx.ui.info(clean(`        chain[${i}]: ${c.subject || "(empty subject)"}${mark}; issuer ${c.issuer}; ${names}; ${c.notBefore} – ${c.notAfter}; SHA-256 ${c.fingerprint}`));
  });
}

/** The last line: what clients will do, per client when the registry speaks plain HTTP. */
function verdict(result: Diagnosis, local: Finding[], ok: boolean): string {
  if (ok) return `Result: a Docker client would succeed${result.http?.authRequired ? " (after docker login)" : ""}.`;
  if (result.findings.some((f) => f.code === "plainHttp")) {
    const clients = result.findings.filter((f) => f.code === "plainHttpClient");
    const working = clients.filter((f) => f.severity === "warning").map((f) => f.message.split(":")[0]);
    const verb = working.length === 1 && working[0] === "Docker" ? "works" : "work";
    return working.length > 0
      ? `Result: no TLS. ${working.join(" and ")} ${verb} over plain HTTP with this machine's settings (unencrypted); clients that verify TLS fail. Fix: give the registry TLS.`
      : "Result: no TLS: clients that verify TLS fail with \"http: server gave HTTP response to HTTPS client\". Fix: give the registry TLS.";
  }
  const firstFail = [...result.findings, ...local].find((f) => f.severity === "error");
  return `Result: clients would fail: ${firstFail?.message ?? "see above"}`;
}

export async function run(ctx: Context, targetArg: string, flags: CheckFlags): Promise<void> {
  const target = parseTarget(targetArg);
  const seconds = parseWholeNumber(flags.timeout, "--timeout", 10);
  if (seconds < 1 || seconds > 300) throw userError("regcert.invalidTimeout", `--timeout ${seconds} is out of range: use 1 to 300 seconds`, "e.g. --timeout 10");
  if (Boolean(flags.clientCert) !== Boolean(flags.clientKey)) throw userError("regcert.conflictingFlags", "--client-cert and --client-key go together", "give both, e.g. --client-cert certs/client.crt --client-key certs/client.key");
  const trust = await readTrustedCas(ctx, flags.ca);
  const clientCertPem = flags.clientCert ? (await readInputFile(flags.clientCert, "--client-cert")).toString("utf8") : undefined;
  const clientKeyPem = flags.clientKey ? (await readInputFile(flags.clientKey, "--client-key")).toString("utf8") : undefined;

  const root = resolve(ctx.cwd, flags.root ?? "/");
  const localRaw = flags.local === false ? [] : checkLocalSide({ root, host: target.host, port: target.port, caPem: trust.pem });
  const local = localRaw.map(fromLocalFinding);
  // on a plain-HTTP registry an insecure setting is what keeps that client working: remove it only after TLS
  const keepInsecure = new Set(["local.insecureRegistries", "local.insecureFlag", "local.registriesConfInsecure"]);
  const annotate = (findings: Finding[], plain: boolean): Finding[] =>
    plain ? findings.map((f) => (keepInsecure.has(f.code) ? { ...f, fix: `keep it while the registry speaks plain HTTP; once it has TLS: ${f.fix}` } : f)) : findings;
  const result = await checkRegistry({
    host: target.host,
    port: target.port,
    roots: trust.der,
    caSource: trust.source,
    timeoutMs: seconds * 1000,
    ...(flags.local === false ? {} : { clientSettings: clientSettingsFrom(localRaw) }),
    ...(clientCertPem && clientKeyPem ? { clientCertPem, clientKeyPem } : {}),
    reissueFor: reissueFromIndex(ctx),
  });
  const localFindings = annotate(local, result.findings.some((f) => f.code === "plainHttp"));
  const ok = result.ok && !localFindings.some((f) => f.severity === "error");

  if (ctx.ui.json) {
    ctx.ui.result({ command: "check", target: target.hostPort, ca: trust.source, ok, tls: result.tls ?? null, chain: result.chain, http: result.http ?? null, findings: result.findings, local: { root, findings: localFindings } });
  } else {
    ctx.ui.info(clean(`Checking ${target.hostPort}, trusting only ${trust.source}`));
    const handshake = result.findings.findIndex((f) => f.code === "handshake");
    printFindings(ctx, handshake < 0 ? result.findings : result.findings.slice(0, handshake + 1));
    if (handshake >= 0) {
      printChain(ctx, result);
      printFindings(ctx, result.findings.slice(handshake + 1));
    }
    if (localFindings.length > 0) {
      ctx.ui.info(`This machine${root === "/" ? "" : clean(` (root ${root})`)}:`);
      printFindings(ctx, localFindings);
    }
    ctx.ui.info(clean(verdict(result, localFindings, ok)));
  }
  if (!ok) process.exitCode = 1;
}
