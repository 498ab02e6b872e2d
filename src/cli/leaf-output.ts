/** Writing and reporting a leaf certificate set (issue and sign share it). */
import { dirname, join } from "node:path";
import type { IssuedCertificate } from "../pki/issue.js";
import { fileExistsError, findConflicts, writeFilesAtomic, type FilePlan } from "../files/write.js";
import type { Context } from "./context.js";
import { displayPath } from "./paths.js";
import { sanitizeForTerminal } from "../text/sanitize.js";
import { nextSteps } from "./next-steps.js";
import { readTrustBundle } from "../files/home.js";
import { recordInIndex } from "./index-hook.js";
import type { ObtainedIssuer } from "./ca-access.js";
import { checkGitForKey, inWorkTree, type GitGuard } from "../files/git-guard.js";
import { userError } from "../pki/errors.js";

export interface LeafFiles {
  key?: string;
  csr?: string;
  certificate: string;
  pem: string;
  ca: string;
}

export function leafPaths(outDir: string, name: string, withKey: boolean): LeafFiles {
  const files: LeafFiles = { certificate: join(outDir, `${name}.crt`), pem: join(outDir, `${name}.pem`), ca: join(outDir, "ca.crt") };
  if (withKey) {
    files.key = join(outDir, `${name}.key`);
    files.csr = join(outDir, `${name}.csr`);
  }
  return files;
}

/** Refuses, before any key is made, to run into existing files without --force. */
export function assertNoConflicts(files: LeafFiles, force: boolean): void {
  if (force) return;
  // ca.crt may already be there from an earlier issue under the same CA: that is checked at write time
  const plan: FilePlan = [files.key, files.csr, files.certificate, files.pem]
    .filter((p): p is string => p !== undefined)
    .map((path) => ({ path, contents: "\0", mode: 0o644 }));
  const existing = findConflicts(plan);
  if (existing.length > 0) throw fileExistsError(existing);
}

/**
 * Inside a git work tree: refuses (without --force) a directory git already tracks, and plans the
 * .gitignore line that keeps the key out of `git add .`. Called with the other checks, before any key.
 */
export function guardGitWorkTree(files: LeafFiles, name: string, force: boolean): GitGuard | undefined {
  const guard = checkGitForKey(files.key ?? join(dirname(files.certificate), `${name}.key`));
  if (guard && guard.tracked.length > 0 && !force) {
    const dir = inWorkTree(guard, dirname(files.certificate));
    throw userError(
      "regcert.trackedDirectory",
      `${dir} holds files git tracks (${guard.tracked.join(", ")}); a private key there is one commit away from being published`,
      "choose an --out outside the repository or a new directory (e.g. --out ../registry-certs), or re-run with --force (*.key is then added to its .gitignore)",
    );
  }
  return guard;
}

export function leafFilePlan(files: LeafFiles, cert: { certificatePem: string; privateKeyPem?: string; csrPem?: string | undefined }, caPem: string): FilePlan {
  const plan: FilePlan = [];
  if (files.key && cert.privateKeyPem) plan.push({ path: files.key, contents: cert.privateKeyPem, mode: 0o600, label: "private key" });
  if (files.csr && cert.csrPem) plan.push({ path: files.csr, contents: cert.csrPem, mode: 0o644, label: "certificate request" });
  plan.push(
    { path: files.certificate, contents: cert.certificatePem, mode: 0o644, label: "certificate" },
    // distribution's docs and the seeds name the served file .pem; same bytes
    { path: files.pem, contents: cert.certificatePem, mode: 0o644, label: "certificate (PEM copy)" },
    { path: files.ca, contents: caPem, mode: 0o644, label: "CA certificate (public; for clients)" },
  );
  return plan;
}

export function writeLeaf(plan: FilePlan, force: boolean): void {
  writeFilesAtomic(plan, { force });
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export interface LeafReport {
  command: string;
  name: string;
  outDir: string;
  port: number;
  files: LeafFiles;
  cert: IssuedCertificate;
  /** the private key the registry serves with (issue: files.key; sign: the key found beside the CSR) */
  keyFile?: string | undefined;
  /** the .gitignore written to keep the key out of git */
  gitignore?: string | undefined;
  ca: { created: boolean; home: string; certificate: string; fingerprint: string; commonName: string | undefined };
}

export function reportLeaf(ctx: Context, report: LeafReport): void {
  const { cert, files, ui } = { ...report, ui: ctx.ui };
  for (const warning of cert.warnings) ui.warn(warning);
  if (ui.json) {
    ui.result({
      command: report.command,
      ca: report.ca,
      certificate: {
        name: report.name,
        profile: cert.profile,
        keyAlgorithm: cert.keyAlgorithm,
        serial: cert.serialHex,
        commonName: cert.commonName ?? null,
        dns: cert.names.dns,
        ip: cert.names.ip,
        notBefore: cert.notBefore.toISOString(),
        notAfter: cert.notAfter.toISOString(),
      },
      files,
      ...(report.gitignore ? { gitignore: report.gitignore } : {}),
      warnings: cert.warnings,
    });
    return;
  }
  if (report.ca.created) ui.info(`Created a new CA "${report.ca.commonName}" in ${report.ca.home} (first use; keep ca.key secret)`);
  const sans = [...cert.names.dns.map((d) => `DNS:${d}`), ...cert.names.ip.map((i) => `IP:${i}`)].join(", ");
  ui.info(`${ui.green("✓")} ${cert.profile === "client" ? "Client" : "Server"} certificate for ${sans || cert.commonName} (${cert.keyAlgorithm}, expires ${day(cert.notAfter)})`);
  const rows: Array<[string | undefined, string]> = [
    [files.key, cert.profile === "server" ? "private key (0600; stays on the registry host)" : "private key (0600)"],
    [files.csr, "certificate request"],
    [files.certificate, "certificate"],
    [files.pem, "same certificate, .pem name"],
    [files.ca, "CA certificate: the file clients trust"],
  ];
  const shown = rows.filter((r): r is [string, string] => r[0] !== undefined).map(([p, what]) => [displayPath(p, ctx.cwd), what] as const);
  const width = Math.max(...shown.map(([p]) => p.length));
  for (const [path, what] of shown) ui.info(`  ${sanitizeForTerminal(path).padEnd(width)}  ${what}`);
  if (report.gitignore) ui.info(`Added *.key to ${sanitizeForTerminal(displayPath(report.gitignore, ctx.cwd))}: this is a git work tree, and a private key must never be committed`);
  if (cert.profile === "server") {
    ui.info();
    for (const line of nextSteps({ outDir: report.outDir, name: report.name, names: cert.names, port: report.port, keyFile: report.keyFile })) ui.info(line);
  } else {
    ui.info();
    ui.info(`Give ${report.name}.crt and ${report.name}.key to the client as client.cert and client.key in /etc/docker/certs.d/HOST:PORT/.`);
  }
}

export interface PublishInput {
  command: "issue" | "sign";
  name: string;
  outDir: string;
  port: number;
  files: LeafFiles;
  cert: IssuedCertificate & { privateKeyPem?: string; csrPem?: string | undefined };
  obtained: ObtainedIssuer;
  force: boolean;
  /** the signed CSR (sign), archived so renew can sign it again */
  csr?: string | Uint8Array;
  /** the key the registry serves with, for the next steps (see LeafReport.keyFile) */
  keyFile?: string | undefined;
  /** from guardGitWorkTree */
  git?: GitGuard | undefined;
}

/** Writes a leaf set, records it in the index and reports it: the shared tail of issue and sign. */
export async function publishLeaf(ctx: Context, input: PublishInput): Promise<void> {
  const { issuer, paths, created } = input.obtained;
  // the ignore rule first: the key is never an untracked file, not even for a moment
  const gitignore = input.git?.gitignore;
  if (gitignore) writeFilesAtomic([gitignore], { force: true });
  // ca.crt beside the certificate is what clients trust: during a CA rollover both CAs (as renew writes it)
  writeLeaf(leafFilePlan(input.files, input.cert, readTrustBundle(paths.home) ?? issuer.certificate.pem), input.force);
  const record = { command: input.command, name: input.name, certificatePem: input.cert.certificatePem, files: input.files, ca: issuer.certificate, issued: input.cert };
  await recordInIndex(ctx, [input.csr === undefined ? record : { ...record, csr: input.csr }]);
  reportLeaf(ctx, {
    command: input.command,
    name: input.name,
    outDir: input.outDir,
    port: input.port,
    files: input.files,
    cert: input.cert,
    keyFile: input.keyFile,
    gitignore: gitignore?.path,
    ca: { created, home: paths.home, certificate: paths.certificate, fingerprint: issuer.certificate.fingerprint, commonName: issuer.certificate.commonName },
  });
}
