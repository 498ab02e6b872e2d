/** regcert issue: key + CSR + CA-signed certificate for the registry (or a client), CA created on first use. */
import { resolve } from "node:path";
import { issueCertificate } from "../../pki/issue.js";
import { assertWithinConstraints } from "../../pki/name-constraints.js";
import { ED25519_WARNING, parseKeyAlgorithm } from "../../pki/keys.js";
import { classifyNames, parseDnsOnly, parseIpOnly } from "../../pki/names.js";
import { userError } from "../../pki/errors.js";
import { validateLeafDays } from "../../pki/validity.js";
import type { Context } from "../context.js";
import { generateKeyWithProgress, obtainIssuer } from "../ca-access.js";
import { detectIps } from "../interfaces.js";
import { assertNoConflicts, leafPaths, guardGitWorkTree, publishLeaf } from "../leaf-output.js";
import { parseBaseName, parsePort, parseWholeNumber } from "../options.js";
import { askText } from "../prompts.js";

export interface IssueFlags {
  dns: string[];
  ip: string[];
  detectIps?: boolean;
  name?: string;
  out?: string;
  days?: string;
  key?: string;
  client?: boolean;
  cn?: string;
  port?: string;
  force?: boolean;
  passphraseFile?: string;
  pinFile?: string;
}

export async function run(ctx: Context, hosts: string[], flags: IssueFlags): Promise<void> {
  // everything that can be refused is checked before any key is generated
  const inputs = [...hosts, ...flags.dns.map(parseDnsOnly), ...flags.ip.map(parseIpOnly)];
  if (flags.detectIps) {
    const found = detectIps(ctx.env);
    if (found.length === 0) ctx.ui.warn("--detect-ips found no non-loopback addresses on this machine");
    else ctx.ui.info(`Detected this machine's addresses: ${found.join(", ")}`);
    inputs.push(...found);
  }
  const profile = flags.client ? "client" : "server";
  if (inputs.length === 0 && profile === "server") {
    const answer = await askText(
      ctx,
      "Names clients use to reach the registry (DNS names and IPs, space-separated)",
      "e.g. regcert issue --dns registry.local --ip 192.168.0.12",
      "no names given: a server certificate needs at least one DNS name or IP",
    );
    inputs.push(...answer.split(/[\s,]+/).filter(Boolean));
  }
  const names = classifyNames(inputs);
  const keyAlgorithm = parseKeyAlgorithm(flags.key ?? "ecdsa-p256");
  if (keyAlgorithm === "ed25519") ctx.ui.warn(ED25519_WARNING);
  const days = validateLeafDays(parseWholeNumber(flags.days, "--days", 397), { allowLongValidity: flags.force === true });
  const port = parsePort(flags.port);
  const name = parseBaseName(flags.name, "registry");
  const outDir = resolve(ctx.cwd, flags.out ?? "certs");
  const files = leafPaths(outDir, name, true);
  assertNoConflicts(files, flags.force === true);
  const git = guardGitWorkTree(files, name, flags.force === true);

  const obtained = await obtainIssuer(ctx, { createWith: keyAlgorithm, passphraseFile: flags.passphraseFile, pinFile: flags.pinFile });
  const { issuer } = obtained;
  assertWithinConstraints(names, issuer.certificate.nameConstraints); // before any key is generated
  const keyPair = await generateKeyWithProgress(ctx, keyAlgorithm, "key");
  const cert = issueCertificate({
    issuer,
    names,
    profile,
    days,
    keyPair,
    allowLongValidity: flags.force === true,
    ...(flags.cn === undefined ? {} : { commonName: flags.cn }),
  });
  await publishLeaf(ctx, { command: "issue", name, outDir, port, files, cert, obtained, force: flags.force === true, keyFile: files.key, git });
}
