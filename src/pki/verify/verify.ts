/**
 * Offline certificate verification with Go crypto/x509's rules (verify.go, Go 1.25+): what Docker,
 * containerd, podman and skopeo decide when they connect to a registry. Pure: DER in, a report out.
 *
 * The verdict is Go's: the leaf is usable (no unknown critical extension, inside its validity window,
 * matching every requested host by SAN only) and at least one path leads to a given root on which
 * every signature verifies with an accepted algorithm, every issuer is a CA allowed to sign
 * (basicConstraints, keyUsage certSign when keyUsage is present, pathLen), every certificate is valid
 * at the time, EKUs nest to serverAuth (a certificate without EKU allows everything) and every name
 * is inside the name constraints above it.
 *
 * Unlike Go, which stops at the first error, the report lists every failure of the best path, each
 * with its fix. "Warnings" are RFC 5280 / CA/Browser Forum profile violations Go tolerates but stricter
 * verifiers (rustls/webpki, browsers, OpenSSL -x509_strict) refuse; `strict: true` makes them fatal.
 */
import { checkChainConstraints, formatIpNet } from "../name-constraints.js";
import { hostAsIp, hostnameMismatchMessage, matchHostname } from "./hostname.js";
import { CertificateParseError, EKU, KU_CERT_SIGN, ekuName, ipTexts, parseCertificateDer, type ParsedCertificate } from "./parse.js";
import { ML_DSA_GO, signaturePolicyProblem, signatureVerifies } from "./signature.js";
import { strictProfileFindings } from "./strict.js";
import type { ChainEntry, Finding, VerifyOptions, VerifyReport } from "./types.js";
import { makeFinding, type FindingCode } from "../findings.js";
import { shellLine } from "../../text/shell.js";

export type { ChainEntry, Finding, VerifyOptions, VerifyReport } from "./types.js";

/** Go's maxChainSignatureChecks. */
const MAX_SIGNATURE_CHECKS = 100;

const bytesEqual = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

const iso = (d: Date): string => d.toISOString().replace(".000Z", "Z");

export function describeSubject(cert: ParsedCertificate): string {
  return cert.subject === "" ? "(empty subject)" : cert.subject;
}

interface Pool {
  certs: ParsedCertificate[];
}

/** Go's CertPool.findPotentialParents: same raw subject as the child's raw issuer, ordered by key-id agreement. */
function potentialParents(pool: Pool, child: ParsedCertificate): ParsedCertificate[] {
  const matching: ParsedCertificate[] = [];
  const one: ParsedCertificate[] = [];
  const mismatch: ParsedCertificate[] = [];
  for (const candidate of pool.certs) {
    if (!bytesEqual(candidate.rawSubject, child.rawIssuer)) continue;
    const ski = candidate.subjectKeyId;
    const aki = child.authorityKeyId;
    if ((ski === undefined || ski.length === 0) && (aki === undefined || aki.length === 0)) matching.push(candidate);
    else if (bytesEqual(ski, aki)) matching.push(candidate);
    else if (ski === undefined || ski.length === 0 || aki === undefined || aki.length === 0) one.push(candidate);
    else mismatch.push(candidate);
  }
  return [...matching, ...one, ...mismatch];
}

/** Go's alreadyInChain: same subject, same key and same SAN extension (breaks cross-signing loops). */
function alreadyInChain(candidate: ParsedCertificate, chain: ParsedCertificate[]): boolean {
  const san = (c: ParsedCertificate) => c.extensions.find((e) => e.oid === "2.5.29.17")?.value;
  return chain.some((c) => {
    if (!bytesEqual(c.rawSubject, candidate.rawSubject) || !bytesEqual(c.spki, candidate.spki)) return false;
    const a = san(c);
    const b = san(candidate);
    if (a === undefined && b === undefined) return true;
    return a !== undefined && b !== undefined && bytesEqual(a, b);
  });
}

interface PathSearch {
  paths: ParsedCertificate[][];
  /** issuer candidates whose signature did not verify: [child, candidate] */
  badSignatures: Array<[ParsedCertificate, ParsedCertificate]>;
  /** the longest chain that reached no root */
  deadEnds: ParsedCertificate[][];
  checks: number;
}

/** Every path from the chain's last certificate up to a root (signatures and names link; policy judged later). */
function buildPaths(chain: ParsedCertificate[], roots: Pool, intermediates: Pool, search: PathSearch): void {
  const child = chain[chain.length - 1] as ParsedCertificate;
  let extended = false;
  const consider = (candidate: ParsedCertificate, isRoot: boolean) => {
    if (alreadyInChain(candidate, chain) || search.checks >= MAX_SIGNATURE_CHECKS) return;
    search.checks++;
    if (!signatureVerifies(child, candidate)) {
      search.badSignatures.push([child, candidate]);
      return;
    }
    extended = true;
    if (isRoot) search.paths.push([...chain, candidate]);
    else buildPaths([...chain, candidate], roots, intermediates, search);
  };
  for (const root of potentialParents(roots, child)) consider(root, true);
  for (const intermediate of potentialParents(intermediates, child)) consider(intermediate, false);
  if (!extended) search.deadEnds.push(chain);
}

function roleOf(index: number, path: ParsedCertificate[], rootSet: Set<ParsedCertificate>): ChainEntry["role"] {
  if (index === 0) return "leaf";
  if (index === path.length - 1 && rootSet.has(path[index] as ParsedCertificate)) return "root";
  return "intermediate";
}

function entry(cert: ParsedCertificate, role: ChainEntry["role"]): ChainEntry {
  return {
    role,
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialHex,
    notBefore: iso(cert.notBefore),
    notAfter: iso(cert.notAfter),
    fingerprintSha256: cert.fingerprint,
  };
}

/** A finding of the one catalogue (src/pki/findings.ts): `regcert check` reports these same findings. */
function finding(code: FindingCode, severity: Finding["severity"], cert: ParsedCertificate | undefined, role: string, message: string, fix: string, go?: string): Finding {
  return makeFinding(code, { severity, certificate: role, subject: cert ? cert.subject : "", message, fix, ...(go !== undefined ? { go } : {}) });
}

const days = (ms: number): number => Math.floor(Math.abs(ms) / 86_400_000);

function validityFindings(cert: ParsedCertificate, role: string, at: Date): Finding[] {
  const who = role === "leaf" ? "the certificate" : `the ${role} CA ${describeSubject(cert)}`;
  if (at.getTime() < cert.notBefore.getTime()) {
    return [
      finding(
        "notYetValid",
        "error",
        cert,
        role,
        `${who} is not valid before ${iso(cert.notBefore)} (checked at ${iso(at)}, ${days(cert.notBefore.getTime() - at.getTime())} days earlier)`,
        "check the clock on this machine and on the machine that issued it; or wait until it starts",
        `x509: certificate has expired or is not yet valid: current time ${iso(at)} is before ${iso(cert.notBefore)}`,
      ),
    ];
  }
  if (at.getTime() > cert.notAfter.getTime()) {
    const fix = role === "leaf" ? "renew it: regcert renew --cert FILE (or re-issue with regcert issue … --force)" : "replace that CA (regcert ca rotate, or regcert init-ca --force) and re-issue the certificates below it";
    return [
      finding(
        "expired",
        "error",
        cert,
        role,
        `${who} expired on ${iso(cert.notAfter)} (${days(at.getTime() - cert.notAfter.getTime())} days before ${iso(at)})`,
        fix,
        `x509: certificate has expired or is not yet valid: current time ${iso(at)} is after ${iso(cert.notAfter)}`,
      ),
    ];
  }
  return [];
}

function criticalFindings(cert: ParsedCertificate, role: string): Finding[] {
  if (cert.unhandledCriticalExtensions.length === 0) return [];
  return [
    finding(
      "unhandledCriticalExtension",
      "error",
      cert,
      role,
      `${role} has critical extension(s) Go does not process: ${cert.unhandledCriticalExtensions.join(", ")}`,
      "re-issue it without those critical extensions (or mark them non-critical)",
      "x509: unhandled critical extension",
    ),
  ];
}

/** Leaf keys Go parses but its TLS cannot use: ML-DSA (post-quantum, FIPS 204) and Ed448. */
function leafKeyFindings(leaf: ParsedCertificate): Finding[] {
  const key = leaf.publicKey;
  if (key.kind === "ml-dsa") {
    return [finding("postQuantumKey", "error", leaf, "leaf", `the certificate has a ${key.parameterSet} key (ML-DSA, FIPS 204, post-quantum): ${ML_DSA_GO}`, "for a registry today issue an ECDSA P-256 certificate (regcert issue); keep ML-DSA for tests of post-quantum clients", "tls: no supported signature algorithm for an ML-DSA certificate")];
  }
  if (key.kind === "ed448") {
    return [finding("unsupportedKey", "error", leaf, "leaf", "the certificate has an Ed448 key: Go's TLS supports Ed25519 but not Ed448", "re-issue it with --key ecdsa-p256 (or ed25519 for Go-only clients)")];
  }
  return [];
}

function hostFindings(leaf: ParsedCertificate, hosts: string[], where: VerifyOptions["reissue"]): { results: VerifyReport["hosts"]; findings: Finding[] } {
  const names = { dns: leaf.dnsNames, ip: ipTexts(leaf) };
  const results: VerifyReport["hosts"] = [];
  const findings: Finding[] = [];
  for (const host of hosts) {
    const ip = hostAsIp(host);
    const matches = matchHostname(names, host);
    results.push({ host, kind: ip ? "ip" : "dns", matches });
    if (matches) continue;
    const shown = ip ? host.replace(/^\[|\]$/g, "") : host;
    const go = hostnameMismatchMessage(names, host, leaf.hasSan, leaf.subjectCommonName);
    const reissue = where
      ? shellLine(["regcert", "issue", ...names.dns, ...names.ip, shown, "--name", where.name, "--out", where.outDir, "--force"])
      : `${shellLine(["regcert", "issue", ...names.dns, ...names.ip, shown])} --name NAME --out DIR --force (the --name and --out it was issued with)`;
    const flag = ip ? `--ip ${shown}` : `--dns ${host}`;
    const has = `(it has ${[...names.dns.map((n) => `DNS:${n}`), ...names.ip.map((n) => `IP:${n}`)].join(", ") || "no SANs"})`;
    if (go.includes("legacy Common Name")) {
      findings.push(finding("legacyCommonName", "error", leaf, "leaf", `${shown} is only in the Common Name; Go clients (Docker, containerd, podman) ignore the CN since Go 1.15 and need a SAN`, `re-issue with SANs: ${reissue} (or regcert sign --csr FILE ${flag})`, go));
    } else if (ip && names.ip.length === 0) {
      findings.push(finding("noIpSan", "error", leaf, "leaf", `no IP SAN for ${shown} ${has}`, `re-issue with ${flag}: ${reissue}`, go));
    } else {
      const wildcard = !ip && names.dns.some((d) => d.startsWith("*.") && host.toLowerCase().endsWith(d.slice(1).toLowerCase()));
      const why = wildcard ? "; a wildcard covers exactly one label" : "";
      findings.push(finding(ip ? "ipMismatch" : "hostnameMismatch", "error", leaf, "leaf", `${shown} is not one of the certificate's names ${has}${why}`, `re-issue with ${flag}: ${reissue}`, go));
    }
  }
  return { results, findings };
}

function ekuFinding(path: ParsedCertificate[], labels: string[]): Finding | undefined {
  // Go's checkChainForKeyUsage with the one usage a TLS client asks for: serverAuth
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i] as ParsedCertificate;
    if (cert.extKeyUsage.length === 0) continue;
    if (cert.extKeyUsage.includes(EKU.any) || cert.extKeyUsage.includes(EKU.serverAuth)) continue;
    const list = cert.extKeyUsage.map(ekuName).join(", ");
    if (i === 0) {
      return finding("incompatibleKeyUsage", "error", cert, labels[i] as string, `the certificate's extended key usage is ${list}, not serverAuth: it cannot identify a TLS server`, "re-issue it as a server certificate: regcert issue … (without --client)", "x509: certificate specifies an incompatible key usage");
    }
    return finding("incompatibleKeyUsage", "error", cert, labels[i] as string, `${labels[i]} CA ${describeSubject(cert)} restricts extended key usage to ${list}; Go nests EKUs, so nothing below it may be a TLS server`, "use a CA without an EKU extension (or one that includes serverAuth)", "x509: certificate specifies an incompatible key usage");
  }
  return undefined;
}

/** Every Go failure along one path (leaf-only checks excluded). */
function pathFindings(path: ParsedCertificate[], labels: string[], at: Date): Finding[] {
  const out: Finding[] = [];
  for (let i = 1; i < path.length; i++) {
    const parent = path[i] as ParsedCertificate;
    const child = path[i - 1] as ParsedCertificate;
    const label = labels[i] as string;
    const name = `${label} CA ${describeSubject(parent)}`;
    // CheckSignatureFrom
    if ((parent.version === 3 && !parent.basicConstraintsValid) || (parent.basicConstraintsValid && !parent.isCa)) {
      out.push(finding("notCa", "error", parent, label, `${name} signed ${describeSubject(child)} but is not a CA (basicConstraints ${parent.basicConstraintsValid ? "CA:FALSE" : "missing"})`, "sign with a CA certificate (basicConstraints CA:TRUE), e.g. the one regcert init-ca makes", "x509: certificate signed by unknown authority (possibly because of \"x509: invalid signature: parent certificate cannot sign this kind of certificate\")"));
    } else if (parent.hasKeyUsage && parent.keyUsage !== 0 && (parent.keyUsage & KU_CERT_SIGN) === 0) {
      out.push(finding("missingCertSign", "error", parent, label, `${name} has a keyUsage without keyCertSign, so it may not sign certificates`, "use a CA whose keyUsage includes Certificate Sign", "x509: certificate signed by unknown authority (possibly because of \"x509: invalid signature: parent certificate cannot sign this kind of certificate\")"));
    }
    const problem = signaturePolicyProblem(child, parent);
    if (problem) out.push(finding(problem.kind === "insecure" ? "insecureSignature" : "unsupportedSignature", "error", child, labels[i - 1] as string, problem.message, problem.message.includes("ML-DSA") ? "for a registry today use an ECDSA P-256 CA and certificate (regcert init-ca, regcert issue)" : "re-issue it with SHA-256 or stronger and an ECDSA P-256/P-384 or RSA ≥ 2048 key (regcert does)"));
    // isValid
    out.push(...criticalFindings(parent, label));
    out.push(...validityFindings(parent, label, at));
    const isIntermediate = label !== "root";
    if (isIntermediate && parent.version !== 3 && !parent.basicConstraintsValid) {
      out.push(finding("notCa", "error", parent, label, `${name} has no basicConstraints (a v${parent.version} certificate) and cannot act as an intermediate`, "use an X.509 v3 intermediate with basicConstraints CA:TRUE", "x509: certificate is not authorized to sign other certificates"));
    }
    if (parent.basicConstraintsValid && parent.maxPathLen >= 0 && i - 1 > parent.maxPathLen) {
      out.push(finding("pathLenExceeded", "error", parent, label, `${name} allows ${parent.maxPathLen} intermediate(s) below it (pathLen), the chain has ${i - 1}`, "sign the leaf with a CA closer to the root, or re-create the CA with a larger --max-path-len", "x509: too many intermediates for path length constraint"));
    }
  }
  const eku = ekuFinding(path, labels);
  if (eku) out.push(eku);
  for (const v of checkChainConstraints(path)) {
    const ca = path[v.caIndex] as ParsedCertificate;
    const nc = ca.nameConstraints;
    const allowed = nc ? [...nc.permittedDns.map((d) => `DNS:${d}`), ...nc.permittedIp.map((n) => `IP:${formatIpNet(n)}`)].join(", ") : "";
    out.push(
      finding(
        "nameConstraints",
        "error",
        path[v.nameIndex],
        labels[v.nameIndex] as string,
        `${labels[v.caIndex]} CA ${describeSubject(ca)} does not allow ${v.kind === "ip" ? "IP" : "DNS name"} ${v.name}: ${v.detail}`,
        allowed ? `issue certificates only for names the CA permits (${allowed}), or use a CA whose constraints include ${v.name}` : `drop ${v.name} from the certificate, or use a CA whose constraints allow it`,
        `x509: a root or intermediate certificate is not authorized to sign for this name: ${v.detail}`,
      ),
    );
  }
  return out;
}

function unknownAuthority(search: PathSearch, roots: ParsedCertificate[], leaf: ParsedCertificate): Finding {
  const deadEnd = search.deadEnds.reduce<ParsedCertificate[]>((best, c) => (c.length > best.length ? c : best), [leaf]);
  const top = deadEnd[deadEnd.length - 1] as ParsedCertificate;
  const role = deadEnd.length === 1 ? "leaf" : "intermediate";
  const go = "x509: certificate signed by unknown authority";
  const given = roots.map((r) => describeSubject(r)).join("; ") || "none";
  const sameName = search.badSignatures.find(([child]) => child === top);
  if (sameName) {
    return finding("unknownAuthority", "error", top, role, `${describeSubject(top)} names ${top.issuer || "(empty issuer)"} as its issuer, and a CA of that name was given, but its signature does not verify with that CA's key: a different (re-created?) CA with the same name signed it`, "pass the CA that really signed it with --ca, or re-issue the certificate with this CA (regcert issue … --force)", `${go} (possibly because of "crypto/ecdsa: verification error" while trying to verify candidate authority certificate)`);
  }
  if (bytesEqual(top.rawIssuer, top.rawSubject)) {
    return finding("unknownAuthority", "error", top, role, `${describeSubject(top)} is self-signed and is not one of the CAs given (${given})`, "trust it explicitly with --ca (the same file), or use a CA-signed certificate: regcert issue", go);
  }
  return finding(
    "unknownAuthority",
    "error",
    top,
    role,
    `${describeSubject(top)} was issued by ${top.issuer || "(empty issuer)"}, which is neither a CA given with --ca (${given}) nor an intermediate in the certificate file`,
    "pass that CA with --ca; if it is an intermediate CA, append it to the certificate file after the leaf (cat registry.crt intermediate.crt > chain.crt), as the registry must serve it too",
    go,
  );
}

interface Parsed {
  leaf: ParsedCertificate | undefined;
  intermediates: ParsedCertificate[];
  roots: ParsedCertificate[];
  findings: Finding[];
}

function parseInputs(options: VerifyOptions): Parsed {
  const findings: Finding[] = [];
  const parsed: Parsed = { leaf: undefined, intermediates: [], roots: [], findings };
  options.certificates.forEach((der, index) => {
    const role = index === 0 ? "leaf" : `certificate #${index + 1} of the chain`;
    try {
      const cert = parseCertificateDer(der);
      if (index === 0) parsed.leaf = cert;
      else parsed.intermediates.push(cert);
    } catch (error) {
      if (!(error instanceof CertificateParseError)) throw error;
      findings.push(finding("malformed", "error", undefined, role, `${role} cannot be parsed by Go: ${error.message}; a Go client aborts the TLS handshake on it`, "re-issue it with a conforming tool (regcert issue / regcert sign)", error.message));
    }
  });
  options.roots.forEach((der, index) => {
    try {
      parsed.roots.push(parseCertificateDer(der));
    } catch (error) {
      if (!(error instanceof CertificateParseError)) throw error;
      findings.push(finding("malformedCa", "warning", undefined, `CA #${index + 1}`, `CA #${index + 1} cannot be parsed by Go (${error.message}); Go clients skip it`, "replace it with a conforming CA certificate", error.message));
    }
  });
  return parsed;
}

/** Verifies a leaf (+ intermediates) against roots with Go's rules and reports every problem. */
export function verifyChain(options: VerifyOptions): VerifyReport {
  const at = new Date(Math.floor(options.at.getTime() / 1000) * 1000);
  const strict = options.strict === true;
  const parsed = parseInputs(options);
  const report: VerifyReport = { valid: false, goValid: false, strict, at: iso(at), hosts: [], chain: [], failures: [], warnings: [], notes: [] };
  const add = (list: Finding[]) => {
    for (const f of list) (f.severity === "error" ? report.failures : f.severity === "warning" ? report.warnings : report.notes).push(f);
  };
  add(parsed.findings);
  const leaf = parsed.leaf;
  if (!leaf) {
    report.hosts = options.hosts.map((host) => ({ host, kind: hostAsIp(host) ? "ip" : "dns", matches: false }));
    return report;
  }
  if (parsed.roots.length === 0) {
    add([finding("noTrustedRoots", "error", undefined, "CA", "no usable CA certificate was given", "pass the CA certificate with --ca FILE (or create one with regcert init-ca)")]);
  }
  const leafFindings = [...criticalFindings(leaf, "leaf"), ...validityFindings(leaf, "leaf", at), ...leafKeyFindings(leaf)];
  const hosts = hostFindings(leaf, options.hosts, options.reissue);
  report.hosts = hosts.results;
  leafFindings.push(...hosts.findings);

  const rootSet = new Set(parsed.roots);
  const search: PathSearch = { paths: [], badSignatures: [], deadEnds: [], checks: 0 };
  if (parsed.roots.some((r) => bytesEqual(r.der, leaf.der))) search.paths.push([leaf]);
  else buildPaths([leaf], { certs: parsed.roots }, { certs: parsed.intermediates }, search);

  let best: { path: ParsedCertificate[]; labels: string[]; findings: Finding[] } | undefined;
  for (const path of search.paths) {
    const labels = path.map((_, i) => roleOf(i, path, rootSet));
    const findings = pathFindings(path, labels, at);
    if (!best || findings.length < best.findings.length) best = { path, labels, findings };
    if (findings.length === 0) break;
  }
  const pathErrors = best ? best.findings : parsed.leaf && parsed.roots.length > 0 ? [unknownAuthority(search, parsed.roots, leaf)] : [];
  const chain = best ? best.path : [leaf];
  const labels = best ? best.labels : ["leaf"];
  report.chain = chain.map((c, i) => entry(c, labels[i] as ChainEntry["role"]));
  add(leafFindings);
  add(pathErrors);
  add(strictProfileFindings(chain, labels));
  report.goValid = report.failures.length === 0;
  report.valid = report.goValid && (!strict || report.warnings.length === 0);
  return report;
}
