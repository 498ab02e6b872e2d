/**
 * The pure half of `regcert check`: what probe.ts observed, the CA(s) to trust and the time in;
 * findings out. The served chain is judged by pki/verify's verifyChain, the validator behind
 * `regcert verify`, so the two commands cannot disagree on a chain; every finding comes from the one
 * catalogue (pki/findings.ts). Like Go (Docker, containerd, podman and skopeo are Go programs), a
 * certificate that is itself one of the trusted CAs is accepted: the seeds copy the registry's
 * self-signed certificate as ca.crt.
 */
import { FINDINGS, makeFinding, type Finding } from "../pki/findings.js";
import { CertificateParseError, ipTexts, parseCertificateDer } from "../pki/verify/parse.js";
import { verifyChain } from "../pki/verify/verify.js";
import type { VerifyReport } from "../pki/verify/types.js";
import type { HttpResponse, Observation } from "./probe.js";

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  dns: string[];
  ip: string[];
  /** SHA-256 of the DER, lower-case hex */
  fingerprint: string;
  ca: boolean;
  /** the certificate is one of the trusted CAs given (e.g. a self-signed server certificate given as --ca) */
  trusted: boolean;
}

export interface HttpSummary {
  status: number;
  apiVersion?: string;
  authRequired: boolean;
  /** the WWW-Authenticate challenge, e.g. Basic realm="Registry Realm" */
  challenge?: string;
}

/**
 * What this machine's clients are set up to do for the registry (from the local check); undefined
 * fields are unknown, and the diagnosis then says what each client needs.
 */
export interface ClientSettings {
  /** /etc/docker/daemon.json insecure-registries (or dockerd --insecure-registry) covers the registry */
  dockerInsecure?: boolean;
  /** registries.conf sets insecure = true for it (podman, skopeo, buildah, CRI-O) */
  containersInsecure?: boolean;
}

export interface DiagnoseOptions {
  /** DER of the CA certificate(s) to trust; nothing else is trusted (not even the system store) */
  roots: Uint8Array[];
  /** where the roots came from, for messages */
  caSource: string;
  /** the validation time */
  now: Date;
  clientSettings?: ClientSettings;
  /**
   * Where the served certificate was issued (its `issue --name` and `--out`), looked up by the caller
   * (the CLI: in the CA home's index) by fingerprint and serial, so a name-mismatch fix is the real
   * re-issue command; undefined: the fix names NAME and DIR for the user to fill in.
   */
  reissueFor?: (leaf: { fingerprint: string; serial: string }) => { name: string; outDir: string } | undefined;
}

export interface Diagnosis {
  target: { host: string; port: number };
  tls?: { version: string; cipher: string };
  /** the served chain, as sent (leaf first) */
  chain: CertificateSummary[];
  http?: HttpSummary;
  findings: Finding[];
  /** verifyChain's report on the served chain (the same as `regcert verify` on it) */
  verify?: VerifyReport;
  /** a Go client (docker, skopeo, podman, containerd) would reach the registry API over verified TLS */
  ok: boolean;
}

const DAY_MS = 86_400_000;
/** the warning window for the registry certificate's remaining validity */
const WARN_DAYS = 30;

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const hostPortOf = (o: { host: string; port: number }): string => `${o.host.includes(":") ? `[${o.host}]` : o.host}:${o.port}`;
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Loopback as dockerd sees it (127.0.0.0/8, ::1) and the names that reach it. */
export const isLoopbackHost = (host: string): boolean => host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "::1";

function summarize(der: Uint8Array, roots: Uint8Array[], now: Date): CertificateSummary | undefined {
  try {
    const cert = parseCertificateDer(der);
    return {
      subject: cert.subject,
      issuer: cert.issuer,
      serial: cert.serialHex,
      notBefore: iso(cert.notBefore),
      notAfter: iso(cert.notAfter),
      daysLeft: Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS),
      dns: cert.dnsNames,
      ip: ipTexts(cert),
      fingerprint: cert.fingerprint,
      ca: cert.isCa,
      trusted: roots.some((r) => sameBytes(r, der)),
    };
  } catch (error) {
    if (error instanceof CertificateParseError) return undefined;
    throw error;
  }
}

function connectFinding(o: Observation): Finding {
  const where = hostPortOf(o.target);
  const c = o.connect;
  if (c.ok) return makeFinding("connected", { message: `TCP connection to ${where}` });
  switch (c.failure) {
    case "timeout":
      return makeFinding("connectTimeout", { message: `no TCP connection to ${where} within ${o.timeoutMs / 1000} s (packets dropped: a firewall, or the wrong address)`, fix: `check the address and that port ${o.target.port} is open in the firewall between here and the registry` });
    case "refused":
      return makeFinding("connectionRefused", { message: `nothing listens on ${where} (connection refused)`, go: `dial tcp ${where}: connect: connection refused`, fix: `start the registry, and use the port clients publish (docker compose ps; ss -ltnp | grep ${o.target.port})` });
    case "unknownHost":
      return makeFinding("unknownHost", { message: `${o.target.host} does not resolve (${c.code ?? "no address"})`, go: `dial tcp: lookup ${o.target.host}: no such host`, fix: `add ${o.target.host} to DNS or /etc/hosts on every client, or use an address the certificate names` });
    default:
      return makeFinding("connectFailed", { message: `cannot connect to ${where}: ${c.code ?? ""} ${c.message ?? ""}`.trim() });
  }
}

function mtlsFinding(o: Observation, closedInstead = false): Finding {
  const hp = hostPortOf(o.target);
  const sent = o.clientCertificateSent;
  const message = closedInstead
    ? "the registry closed the connection right after the handshake without answering: it most likely requires a client certificate (mTLS)"
    : sent
      ? "the registry refused our client certificate (http.tls.clientcas does not hold the CA that signed it)"
      : "the registry requires a client certificate (mTLS: http.tls.clientcas is set) and none was sent";
  const fix = sent
    ? "issue the client certificate from a CA listed in the registry's http.tls.clientcas (regcert issue --client --cn NAME)"
    : `give each client a certificate: regcert issue --client --cn NAME --name client, then put it in /etc/docker/certs.d/${hp}/ as client.cert + client.key (regcert install-trust --host ${hp} --client-cert certs/client.crt --client-key certs/client.key); check with --client-cert/--client-key`;
  return makeFinding("clientCertificateRequired", { message, fix });
}

/**
 * What each client does with a plain-HTTP registry, under this machine's settings where known.
 * Facts: reference/trust-locations.md (insecure-registries: HTTPS without verification first, then
 * plain HTTP; 127.0.0.0/8 and ::1 always insecure; registries.conf insecure = true allows plain HTTP);
 * Docker 29's containerd image store ignores insecure-registries on several paths (docker/cli#6748,
 * moby#51080). The verdict for containers/image is the one skopeo gives (test/e2e/check.e2e.test.ts).
 */
function plainHttpClients(o: Observation, settings: ClientSettings): Finding[] {
  const hp = hostPortOf(o.target);
  const loopback = isLoopbackHost(o.target.host);
  const refused = "http: server gave HTTP response to HTTPS client";
  const docker = settings.dockerInsecure === true || loopback;
  const dockerWhy = settings.dockerInsecure === true ? "insecure-registries covers it" : "dockerd treats loopback (127.0.0.0/8, ::1) as insecure";
  const out: Finding[] = [];
  out.push(
    docker
      ? makeFinding("plainHttpClient", {
          severity: "warning",
          message: `Docker: ${dockerWhy}, so docker pull, push and login fall back to plain HTTP and work, with passwords and images unencrypted on the network; Docker 29's containerd image store (the default on new installs) ignores insecure-registries on some paths (docker/cli#6748, moby#51080), where the same commands fail with "${refused}"`,
          fix: "give the registry TLS (as above); until then keep the insecure-registries entry",
        })
      : makeFinding("plainHttpClient", {
          severity: settings.dockerInsecure === false ? "error" : "note",
          message: `Docker: ${settings.dockerInsecure === false ? "refuses it" : "refuses it unless insecure-registries in /etc/docker/daemon.json lists it"} ("${refused}")`,
          go: refused,
          fix: `give the registry TLS (as above); a stopgap is "insecure-registries": ["${hp}"] in /etc/docker/daemon.json, then systemctl reload docker`,
        }),
  );
  out.push(
    settings.containersInsecure === true
      ? makeFinding("plainHttpClient", {
          severity: "warning",
          message: "podman, skopeo, buildah and CRI-O: registries.conf sets insecure = true for it, so they fall back to plain HTTP and work (passwords and images unencrypted), unless a command says --tls-verify=true, which overrides it",
          fix: "give the registry TLS (as above), then remove insecure = true",
        })
      : makeFinding("plainHttpClient", {
          severity: settings.containersInsecure === false ? "error" : "note",
          message: `podman, skopeo, buildah and CRI-O: refuse it ("${refused}")${settings.containersInsecure === false ? "" : " unless registries.conf sets insecure = true for it"}; --tls-verify=false makes one command use plain HTTP`,
          go: refused,
          fix: `give the registry TLS (as above); a stopgap is a [[registry]] table with location = "${hp}" and insecure = true in /etc/containers/registries.conf`,
        }),
  );
  out.push(
    makeFinding("plainHttpClient", {
      severity: "note",
      message: `containerd (ctr, nerdctl, Kubernetes through CRI): uses plain HTTP only where /etc/containerd/certs.d/${hp}/hosts.toml names server = "http://${hp}" (ctr --plain-http for one command)${loopback ? "; containerd 1.6 also tries plain HTTP for localhost and 127.0.0.1 by itself" : ""}; otherwise it fails with "${refused}"`,
      fix: "give the registry TLS (as above)",
    }),
  );
  return out;
}

function handshakeFindings(o: Observation, settings: ClientSettings): Finding[] {
  const tls = o.tls;
  if (!tls || tls.ok) return [];
  const hp = hostPortOf(o.target);
  switch (tls.failure) {
    case "timeout":
      return [makeFinding("handshakeTimeout", { message: `the TLS handshake did not finish within ${o.timeoutMs / 1000} s: something accepts connections on ${hp} but does not answer`, fix: "check that the registry (not another service or a stuck proxy) owns this port, and its log" })];
    case "badCertificateAlert":
      return [mtlsFinding(o)];
    case "notTls":
      if (o.plainHttp === undefined) return [makeFinding("notTls", { message: `${hp} does not speak TLS (${tls.code ?? tls.message ?? "no TLS answer"})`, fix: "is this the registry's port?" })];
      return [
        makeFinding("plainHttp", {
          message: `${hp} speaks plain HTTP, not TLS (GET /v2/ over HTTP answered ${o.plainHttp.status}): clients that verify TLS refuse it, the others send passwords and images unencrypted`,
          fix: `give the registry TLS: regcert issue ${o.target.host}, then regcert registry-config (http.tls) and restart it; then trust the CA on each client (regcert install-trust --host ${hp}) and drop the insecure settings`,
        }),
        ...plainHttpClients(o, settings),
      ];
    default:
      return [makeFinding("handshakeFailed", { message: `TLS handshake failed: ${tls.code ?? ""} ${tls.message ?? ""}`.trim() })];
  }
}

/** "CN=a CA" (SHA-256 ab12…); … for messages. */
function rootSubjects(roots: Uint8Array[]): string {
  const names: string[] = [];
  for (const der of roots) {
    try {
      const cert = parseCertificateDer(der);
      names.push(`"${cert.subject || "(empty subject)"}" (SHA-256 ${cert.fingerprint.slice(0, 16)}…)`);
    } catch (error) {
      if (!(error instanceof CertificateParseError)) throw error;
    }
  }
  return names.join(", ") || "no usable CA";
}

/** The issuer named by the certificate a finding is about (the top of the dead end), from the served chain. */
function issuerOf(f: Finding, served: CertificateSummary[]): string {
  return served.find((c) => c.subject === f.subject)?.issuer ?? served[0]?.issuer ?? "";
}

/** verifyChain on the served chain, with the live wording where the offline one would mislead. */
function chainFindings(o: Observation, chainDer: Uint8Array[], options: DiagnoseOptions, report: VerifyReport, served: CertificateSummary[]): Finding[] {
  const out: Finding[] = [];
  const leaf = served[0];
  const hp = hostPortOf(o.target);
  // a path to a given CA was found (the leaf itself may be that CA: a one-certificate path)
  const pathFound = report.chain.length > 0 && !report.failures.some((f) => f.code === "unknownAuthority" || f.code === "noTrustedRoots" || f.code === "malformed");
  if (pathFound) {
    const path = report.chain;
    const top = path[path.length - 1];
    if (top) {
      const trustedLeaf = path.length === 1;
      out.push(
        makeFinding("trusted", {
          message: trustedLeaf
            ? `chain: the registry's certificate is itself one of the CAs in ${options.caSource}, which Go accepts (a self-signed certificate given as the CA)`
            : `chain: ${path.length === 2 ? "signed by" : `${path.length - 2} intermediate(s), then`} CA "${top.subject}" from ${options.caSource}`,
        }),
      );
    }
  }
  for (const f of report.failures) {
    if (f.code !== "unknownAuthority") {
      out.push(f);
      continue;
    }
    // verify's wording speaks of files and --ca; the live check names what the server sent and the CA source
    const selfSigned = leaf !== undefined && leaf.subject === leaf.issuer && chainDer.length === 1;
    const given = rootSubjects(options.roots);
    const lonely = chainDer.length === 1 && !selfSigned ? " (the server sent no intermediates: if an intermediate signed it, append it to the certificate file the registry serves)" : "";
    const message = f.go !== FINDINGS.unknownAuthority.go
      ? f.message // a CA of the same name whose key did not sign it: verify's words say exactly that
      : selfSigned
        ? `the registry serves a self-signed certificate ("${leaf.subject}") that is not one of the CAs in ${options.caSource} (${given})`
        : `the served certificate ("${f.subject ?? leaf?.subject ?? ""}") was issued by "${issuerOf(f, served)}"; ${options.caSource} holds ${given}${lonely}`;
    out.push({
      ...f,
      message,
      fix: `either trust the CA that signed it (check --ca THAT_CA.crt; then regcert install-trust --ca THAT_CA.crt --host ${hp}), or re-issue the registry certificate from this CA (regcert issue …) and restart the registry (it reads its key pair only at startup)`,
    });
  }
  out.push(...report.warnings);
  if (leaf && !report.failures.some((f) => f.code === "expired" || f.code === "notYetValid")) {
    const soon = leaf.daysLeft < WARN_DAYS;
    out.push(makeFinding("validity", { severity: soon ? "warning" : "ok", message: `valid until ${leaf.notAfter} (${leaf.daysLeft} days left)`, ...(soon ? { fix: "renew soon: regcert renew --cert FILE" } : {}) }));
  }
  const host = report.hosts[0];
  if (leaf && host?.matches) {
    const shown = [...leaf.dns.map((n) => `DNS:${n}`), ...leaf.ip.map((n) => `IP:${n}`)].join(", ") || "no SANs";
    out.push(makeFinding("nameMatches", { message: `name: ${o.target.host} is in the certificate (${shown})` }));
  }
  return out;
}

function httpFindings(o: Observation, response: HttpResponse): { http: HttpSummary; findings: Finding[] } {
  const apiVersion = response.headers["docker-distribution-api-version"];
  const challenge = response.headers["www-authenticate"];
  const status = response.status;
  const http: HttpSummary = { status, authRequired: status === 401, ...(apiVersion ? { apiVersion } : {}), ...(challenge ? { challenge } : {}) };
  const findings: Finding[] = [];
  if (status === 200 || status === 401) {
    findings.push(
      makeFinding("apiRoot", {
        severity: apiVersion ? "ok" : "warning",
        message: `GET /v2/: ${status}${apiVersion ? `, Docker-Distribution-Api-Version: ${apiVersion}` : ", but no Docker-Distribution-Api-Version header (a proxy in front of the registry?)"}`,
      }),
    );
    if (status === 401) findings.push(makeFinding("authRequired", { message: `authentication required (${challenge ?? "no WWW-Authenticate header"})`, fix: `docker login ${hostPortOf(o.target)} (users: regcert htpasswd USER)` }));
  } else {
    findings.push(makeFinding("notRegistryApi", { message: `GET /v2/ answered ${status}: this is not a registry API root`, fix: status === 404 ? "a different service listens on this port, or a proxy does not pass /v2/ through" : "see the registry's log" }));
  }
  return { http, findings };
}

/** Judges an observation: the served chain through verifyChain (Go's rules), then the HTTP answer. Pure. */
export function diagnose(o: Observation, options: DiagnoseOptions): Diagnosis {
  const result: Diagnosis = { target: o.target, chain: [], findings: [], ok: false };
  const settings = options.clientSettings ?? {};
  if (isLoopbackHost(o.target.host)) {
    result.findings.push(makeFinding("loopback", { message: `${o.target.host} is loopback: dockerd treats 127.0.0.0/8 and ::1 as insecure registries and would accept any certificate there; containerd, podman and skopeo still verify, as this check does` }));
  }
  result.findings.push(connectFinding(o));
  if (!o.connect.ok || !o.tls) return result;
  if (!o.tls.ok) {
    result.findings.push(...handshakeFindings(o, settings));
    return result;
  }
  result.tls = { version: o.tls.version, cipher: o.tls.cipher };
  result.findings.push(makeFinding("handshake", { message: `TLS handshake: ${o.tls.version}, ${o.tls.cipher}` }));
  const chainDer = o.tls.chain;
  result.chain = chainDer.map((der) => summarize(der, options.roots, options.now)).filter((c): c is CertificateSummary => c !== undefined);
  if (chainDer.length === 0) {
    result.findings.push(makeFinding("noCertificate", { message: "the server sent no certificate" }));
  } else {
    const served = result.chain[0];
    const reissue = served && options.reissueFor ? options.reissueFor({ fingerprint: served.fingerprint, serial: served.serial }) : undefined;
    const report = verifyChain({ certificates: chainDer, roots: options.roots, hosts: [o.target.host], at: options.now, ...(reissue ? { reissue } : {}) });
    result.verify = report;
    result.findings.push(...chainFindings(o, chainDer, options, report, result.chain));
  }
  const response = o.http;
  if (response?.ok) {
    const judged = httpFindings(o, response);
    result.http = judged.http;
    result.findings.push(...judged.findings);
  } else if (response) {
    if (response.failure === "badCertificateAlert") {
      // TLS 1.3: the server checks the client certificate after the client's handshake is done
      result.findings.push(mtlsFinding(o));
    } else if (response.failure === "timeout") {
      result.findings.push(makeFinding("httpTimeout", { message: `GET /v2/ got no answer within ${o.timeoutMs / 1000} s`, fix: "see the registry's log" }));
    } else if (!o.clientCertificateSent && (response.failure === "reset" || response.failure === "closed")) {
      result.findings.push(mtlsFinding(o, true));
    } else {
      result.findings.push(makeFinding("httpFailed", { message: `GET /v2/ failed: ${response.code ?? "connection closed"} ${response.message ?? ""}`.trim() }));
    }
  }
  result.ok = !result.findings.some((f) => f.severity === "error");
  return result;
}
