/**
 * regcert k8s registry-secret: the registry's key pair from `issue --name NAME` as a kubernetes.io/tls
 * Secret; with --cert-manager, a name-constrained, short-lived intermediate CA for a ClusterIssuer
 * instead (the root key never goes into the cluster).
 */
import { createPrivateKey } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseNamespace, parseObjectName, renderManifest, type K8sObject } from "../../k8s/manifest.js";
import { certManagerObjects, tlsSecret } from "../../k8s/registry-secret.js";
import { userError } from "../../pki/errors.js";
import { createIntermediateCa } from "../../pki/intermediate.js";
import { publicKeyFingerprint } from "../../pki/keys.js";
import { classifyNames, parseDnsOnly, parseIpOnly, type NameSet } from "../../pki/names.js";
import { parsePemBlocks, toPem } from "../../pki/pem.js";
import { readCertificate, sanNames } from "../../pki/x509/index.js";
import type { Context } from "../context.js";
import { obtainIssuer } from "../ca-access.js";
import { readInputFile } from "../input.js";
import { parseBaseName, parseWholeNumber } from "../options.js";
import { displayPath } from "../paths.js";
import { assertOutWritable, emitManifest } from "../k8s-output.js";

export interface RegistrySecretFlags {
  name: string;
  dir?: string;
  namespace?: string;
  secretName?: string;
  certManager?: boolean;
  dns: string[];
  ip: string[];
  days?: string;
  issuerName?: string;
  certManagerNamespace?: string;
  passphraseFile?: string;
  /** the PIN of a token-held CA key (init-ca --pkcs11), as issue and sign take it */
  pinFile?: string;
  out?: string;
  force?: boolean;
}

interface LeafFiles {
  chainPem: string;
  keyPem: string;
  caPem: string | undefined;
  names: NameSet;
  notAfter: Date;
}

/** Reads DIR/NAME.crt (+ NAME.key, ca.crt) and checks that the key belongs to the certificate. */
async function readLeaf(ctx: Context, dir: string, name: string, withKey: boolean): Promise<LeafFiles> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  if (!existsSync(certPath)) throw userError("regcert.fileNotFound", `${displayPath(certPath, ctx.cwd)} does not exist`, `make it with \`regcert issue --name ${name} --out ${displayPath(dir, ctx.cwd)} HOST…\`, or pass --dir`);
  const certText = (await readInputFile(certPath, "--name")).toString("utf8");
  const blocks = parsePemBlocks(certText).filter((b) => b.label === "CERTIFICATE");
  if (blocks.length === 0) throw userError("regcert.noPem", `${displayPath(certPath, ctx.cwd)} holds no PEM certificate`, "pass the --name and --dir used with regcert issue");
  const leaf = readCertificate((blocks[0] as { der: Uint8Array }).der, displayPath(certPath, ctx.cwd));
  if (leaf.basicConstraintsValid && leaf.isCa) throw userError("regcert.notLeaf", `${displayPath(certPath, ctx.cwd)} is a CA certificate, not the registry's`, "pass the --name used with `regcert issue`");
  const san = sanNames(leaf);
  const names = classifyNames([...san.dns, ...san.ip]);
  let keyPem = "";
  if (withKey) {
    if (!existsSync(keyPath)) throw userError("regcert.fileNotFound", `${displayPath(keyPath, ctx.cwd)} does not exist (the registry's key, from \`regcert issue --name ${name}\`)`, "pass the --dir where regcert issue wrote NAME.key (it stays on the machine that made it)");
    keyPem = (await readInputFile(keyPath, "--name")).toString("utf8");
    let key;
    try {
      key = createPrivateKey(keyPem);
    } catch {
      throw userError("regcert.badKey", `${displayPath(keyPath, ctx.cwd)} is not an unencrypted private key`, "a Kubernetes TLS Secret needs the key unencrypted");
    }
    if (!leaf.publicKey.key || publicKeyFingerprint(key) !== publicKeyFingerprint(leaf.publicKey.key)) {
      throw userError("regcert.keyMismatch", `${displayPath(keyPath, ctx.cwd)} does not belong to ${displayPath(certPath, ctx.cwd)}`, `re-issue both with \`regcert issue --name ${name} --force\``);
    }
  }
  const caPath = join(dir, "ca.crt");
  const caPem = existsSync(caPath) ? (await readInputFile(caPath, "--dir")).toString("utf8") : undefined;
  // the served chain: the leaf, then any intermediates in NAME.crt (never the root: clients have it)
  const chainPem = blocks.map((b) => toPem("CERTIFICATE", b.der)).join("");
  return { chainPem, keyPem, caPem, names, notAfter: leaf.notAfter };
}

export async function run(ctx: Context, flags: RegistrySecretFlags): Promise<void> {
  const name = parseBaseName(flags.name, "registry");
  const namespace = parseNamespace(flags.namespace, "namespace", "default");
  const secretName = parseObjectName(flags.secretName ?? `${name.toLowerCase().replace(/[^a-z0-9.-]/g, "-")}-tls`, "--secret-name");
  const dir = resolve(ctx.cwd, flags.dir ?? "certs");
  const out = flags.out ?? "-";
  const force = flags.force === true;
  assertOutWritable(ctx, flags.out, flags.force === true);
  let objects: K8sObject[];
  let header: string[];
  const notes: string[] = [];

  if (!flags.certManager) {
    if (flags.dns.length + flags.ip.length > 0) throw userError("regcert.usage", "--dns and --ip go with --cert-manager (without it the names come from the certificate)", "add --cert-manager, or drop --dns/--ip");
    const leaf = await readLeaf(ctx, dir, name, true);
    if (leaf.notAfter.getTime() < Date.now()) ctx.ui.warn(`${name}.crt expired on ${leaf.notAfter.toISOString().slice(0, 10)}: renew it first (regcert renew ${name})`);
    objects = [tlsSecret({ name: secretName, namespace, chainPem: leaf.chainPem, privateKeyPem: leaf.keyPem, ...(leaf.caPem ? { caPem: leaf.caPem } : {}), component: "registry-tls" })];
    header = [
      `regcert k8s registry-secret: the key pair of ${displayPath(join(dir, `${name}.crt`), ctx.cwd)} for a registry in the cluster.`,
      "It holds a private key: keep this file out of version control.",
    ];
  } else {
    const issuerName = parseObjectName(flags.issuerName ?? "regcert", "--issuer-name");
    const cmNamespace = parseNamespace(flags.certManagerNamespace, "certManagerNamespace", "cert-manager");
    const days = parseWholeNumber(flags.days, "--days", 90);
    let names: NameSet = { dns: flags.dns.map(parseDnsOnly), ip: flags.ip.map(parseIpOnly) };
    if (names.dns.length + names.ip.length === 0) {
      if (!existsSync(join(dir, `${name}.crt`))) throw userError("regcert.noNames", "no registry names: give --dns (and --ip), or keep the certificate of `regcert issue --name NAME` in --dir", "e.g. --cert-manager --dns registry.local --ip 192.168.0.12");
      names = (await readLeaf(ctx, dir, name, false)).names;
    }
    const { issuer } = await obtainIssuer(ctx, { passphraseFile: flags.passphraseFile, pinFile: flags.pinFile });
    const intermediate = createIntermediateCa({ issuer, permitDns: names.dns, permitIp: names.ip, days });
    for (const w of intermediate.warnings) ctx.ui.warn(w);
    objects = certManagerObjects({
      issuerName,
      clusterResourceNamespace: cmNamespace,
      intermediateChainPem: intermediate.chainPem,
      intermediateKeyPem: intermediate.privateKeyPem,
      rootPem: issuer.certificate.pem,
      certificate: { name: parseObjectName(name.toLowerCase().replace(/[^a-z0-9.-]/g, "-"), "--name"), namespace, secretName, names },
    });
    const expires = intermediate.notAfter.toISOString().slice(0, 10);
    header = [
      "regcert k8s registry-secret --cert-manager: an intermediate CA for cert-manager; the root key stays in the regcert home.",
      `Intermediate: pathLen 0, may sign only ${[...intermediate.nameConstraints.permittedDns, ...intermediate.nameConstraints.permittedIp].join(", ")}; expires ${expires}.`,
      "Re-run this command and apply the result before then (cert-manager then signs with the new intermediate).",
      "It holds a private key: keep this file out of version control.",
    ];
    notes.push(`The intermediate CA expires ${expires}: re-run \`regcert k8s registry-secret --cert-manager\` and apply before then.`);
  }
  emitManifest(ctx, { command: "k8s registry-secret", yaml: renderManifest(objects, header), objects, out, mode: 0o600, force, notes });
}
