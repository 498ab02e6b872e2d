/**
 * Renewal planning: re-issue a certificate with the same names and profile under the home's current
 * CA. New serial always; new key of the same type unless reuseKey (a certificate made by `sign` keeps
 * the requester's key: the same CSR is signed again). planRenewal issues and returns the files to
 * replace; applyRenewal writes them as one set (replaceFileSet): a failure anywhere leaves the old set
 * intact. Plain options in; `regcert renew` parses flags and prints.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { readCertificateFacts } from "../pki/certificate-facts.js";
import { opt, phrase, userError } from "../pki/errors.js";
import { hex } from "../pki/certificate.js";
import { issueCertificate, signCsr, type IssuedCertificate } from "../pki/issue.js";
import { parseCaCertificate, type Issuer } from "../pki/issuer.js";
import { KEY_ALGORITHMS, publicKeyFingerprint, type KeyAlgorithm, type KeyPair } from "../pki/keys.js";
import { MAX_LEAF_DAYS_WITHOUT_FORCE } from "../pki/profiles.js";
import { validityDays } from "../pki/status.js";
import { validateDays } from "../pki/validity.js";
import { readCaCertificate } from "../files/home.js";
import { currentEntries, entryFieldsFromFacts, entrySource, readArchiveRecord, type IndexEntry, type IndexFiles } from "../files/index-store.js";
import { replaceFileSet, type ReplaceOptions } from "../files/replace-set.js";
import { readPreviousCaCertificate } from "../files/rollover.js";
import type { FilePlan } from "../files/write.js";

/** One certificate to renew: its index entry (or one made up for a file the index did not know). */
export interface RenewTarget {
  entry: IndexEntry;
  /** for certificates made by `sign`: the request to sign again */
  csrPem?: string | undefined;
}

export interface PlannedRenewal {
  target: RenewTarget;
  cert: IssuedCertificate;
  /** every file to replace, as one set */
  plan: FilePlan;
  newKey: boolean;
}

export interface PlanOptions {
  /** what clients trust now: written to the ca.crt beside the certificate */
  trustBundle: string;
  /** validity; default the old certificate's length */
  days?: number | undefined;
  reuseKey: boolean;
  now: Date;
  /** makes the new key (the CLI shows a spinner for RSA) */
  generateKey: (algorithm: KeyAlgorithm) => Promise<KeyPair>;
}

function readExistingKey(path: string, entry: IndexEntry): KeyPair {
  let privateKey;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw userError("regcert.keyUnreadable", phrase`${opt("reuseKey")}: cannot read the private key ${path}${code ? ` (${code})` : ""}`, phrase`drop ${opt("reuseKey")} to make a new key`);
  }
  if (publicKeyFingerprint(privateKey) !== entry.publicKeyFingerprint) {
    throw userError("regcert.keyMismatch", phrase`${opt("reuseKey")}: ${path} does not belong to the certificate being renewed`, phrase`drop ${opt("reuseKey")} to make a new key, or restore the matching key`);
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** Issues the replacement (nothing is written): same names, profile, CN and key type. */
export async function planRenewal(target: RenewTarget, issuer: Issuer, options: PlanOptions): Promise<PlannedRenewal> {
  const { entry } = target;
  if (entry.profile !== "server" && entry.profile !== "client") {
    throw userError("regcert.cannotRenew", `${entry.name} (${entry.files.certificate}) is not a server or client certificate; regcert renews only its own profiles`, "issue a new certificate instead (regcert issue or regcert sign)");
  }
  const originalDays = validityDays({ notBefore: new Date(entry.notBefore), notAfter: new Date(entry.notAfter) });
  const days = validateDays(options.days ?? originalDays, "a certificate");
  // a certificate that was issued longer than 825 days with --force keeps its length; a new --days above it does not
  const allowLongValidity = options.days === undefined && originalDays > MAX_LEAF_DAYS_WITHOUT_FORCE;
  const common = { issuer, names: entry.names, profile: entry.profile, days, allowLongValidity, ...(entry.commonName ? { commonName: entry.commonName } : {}) };
  const files = entry.files;
  const plan: FilePlan = [];
  let cert: IssuedCertificate;
  let newKey = false;
  if (target.csrPem !== undefined) {
    cert = signCsr({ ...common, csr: target.csrPem }, { now: options.now });
  } else {
    if (!files.key) throw userError("regcert.cannotRenew", `regcert does not know the private key of ${entry.files.certificate}`, "renew it with regcert sign --csr FILE --force, from a new request");
    let keyPair: KeyPair;
    if (options.reuseKey) keyPair = readExistingKey(files.key, entry);
    else {
      if (!(KEY_ALGORITHMS as readonly string[]).includes(entry.keyAlgorithm)) {
        throw userError("regcert.invalidKeyType", `${entry.name} has a ${entry.keyAlgorithm} key, which regcert does not make`, phrase`issue a new certificate with ${opt("keyAlgorithm", KEY_ALGORITHMS[0])} instead`);
      }
      keyPair = await options.generateKey(entry.keyAlgorithm as KeyAlgorithm);
      newKey = true;
    }
    const issued = issueCertificate({ ...common, keyPair }, { now: options.now });
    cert = issued;
    if (newKey) plan.push({ path: files.key, contents: issued.privateKeyPem, mode: 0o600, label: "new private key (0600)" });
    if (files.csr && issued.csrPem) plan.push({ path: files.csr, contents: issued.csrPem, mode: 0o644, label: "certificate request" });
  }
  plan.push({ path: files.certificate, contents: cert.certificatePem, mode: 0o644, label: "certificate" });
  if (files.pem) plan.push({ path: files.pem, contents: cert.certificatePem, mode: 0o644, label: "certificate (PEM copy)" });
  if (files.ca) plan.push({ path: files.ca, contents: options.trustBundle, mode: 0o644, label: "CA certificate(s) for clients" });
  return { target, cert, plan, newKey };
}

/** Writes a planned renewal: all files or none. */
export function applyRenewal(planned: PlannedRenewal, options: ReplaceOptions = {}): void {
  replaceFileSet(planned.plan, options);
}

/** The CAs of the home by key identifier, to tell who signed a file the index does not know. */
function knownCas(home: string): Array<{ keyId: string; fingerprint: string; commonName: string | null }> {
  const pems = [readCaCertificate(home), readPreviousCaCertificate(home)].filter((p): p is string => p !== undefined);
  return pems.map((pem) => {
    const info = parseCaCertificate(pem);
    return { keyId: hex(info.keyId), fingerprint: info.fingerprint, commonName: info.commonName ?? null };
  });
}

/**
 * A target for a certificate file (CLI: --cert FILE): its index entry, or (adopted) one built from the
 * file and its neighbours. Errors name the file as `certFile` (the CLI prints --cert).
 */
export function targetForFile(home: string, entries: IndexEntry[], certFile: string): RenewTarget {
  const file = certFile;
  const path = resolve(file);
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    throw userError("regcert.unreadableFile", phrase`cannot read ${opt("certFile", file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "check the path, or renew by name: regcert renew NAME (regcert status lists them)");
  }
  const facts = readCertificateFacts(pem, file);
  const known = currentEntries(entries).find((e) => resolve(e.files.certificate) === path || (e.files.pem && resolve(e.files.pem) === path)) ?? entries.find((e) => e.fingerprint === facts.fingerprint);
  if (known) return withCsr(home, known);
  const ca = knownCas(home).find((c) => c.keyId === facts.authorityKeyId);
  if (!ca) throw userError("regcert.foreignCertificate", `${file} was not signed by this home's CA`, phrase`renew only certificates this CA issued; pass ${opt("home")} for another CA home`);
  const dir = dirname(path);
  const stem = basename(path, extname(path));
  const key = join(dir, `${stem}.key`);
  const exists = (p: string) => {
    try {
      readFileSync(p);
      return true;
    } catch {
      return false;
    }
  };
  if (!exists(key)) throw userError("regcert.cannotRenew", `${file} is not in the index and there is no ${stem}.key beside it`, "renew certificates made from a CSR with regcert sign --csr FILE --force");
  const files: IndexFiles = { key, certificate: path };
  if (exists(join(dir, `${stem}.csr`))) files.csr = join(dir, `${stem}.csr`);
  const pemCopy = join(dir, `${stem}.pem`);
  if (pemCopy !== path && exists(pemCopy)) files.pem = pemCopy;
  if (exists(join(dir, "ca.crt"))) files.ca = join(dir, "ca.crt");
  return {
    entry: {
      name: stem,
      command: "adopt",
      ...entryFieldsFromFacts(facts),
      issuer: { fingerprint: ca.fingerprint, commonName: ca.commonName },
      files,
      recordedAt: new Date().toISOString(),
    },
  };
}

/** Why renew leaves a certificate alone that `regcert acme serve` issued: its key is with the ACME client. */
export const ACME_RENEWS = "issued through regcert acme serve: its ACME client holds the key and renews it";

export function withCsr(home: string, entry: IndexEntry): RenewTarget {
  if (entrySource(entry) === "acme") {
    throw userError("regcert.cannotRenew", `${entry.name} (serial ${entry.serial}) was ${ACME_RENEWS}`, "renew it from its ACME client (e.g. certbot renew, lego renew), or check why that client stopped renewing");
  }
  if (entry.command !== "sign" && !(entry.command === "renew" && !entry.files.key)) return { entry };
  const csrPem = readArchiveRecord(home, entry.serial)?.csrPem;
  if (!csrPem) {
    throw userError("regcert.cannotRenew", `${entry.name} was signed from a CSR and the archive no longer has that request`, "sign a new CSR: regcert sign --csr FILE --force");
  }
  return { entry, csrPem };
}

export function targetForName(home: string, entries: IndexEntry[], name: string): RenewTarget {
  const named = currentEntries(entries).filter((e) => e.name === name);
  // a name regcert's files use wins over an ACME certificate of the same name (renew cannot renew those anyway)
  const found = named.some((e) => entrySource(e) !== "acme") ? named.filter((e) => entrySource(e) !== "acme") : named;
  if (found.length === 0) {
    throw userError("regcert.unknownCertificate", `no certificate named "${name}" in the index of ${home}`, "regcert status lists them; a file regcert does not know: regcert renew --cert FILE");
  }
  if (found.length > 1) {
    throw userError("regcert.ambiguousName", `${found.length} certificates are named "${name}": ${found.map((e) => e.files.certificate).join(", ")}`, phrase`pick one with ${opt("certFile", "FILE")}`);
  }
  return withCsr(home, found[0] as IndexEntry);
}

export const sansOf = (names: { dns: string[]; ip: string[] }) => [...names.dns.map((d) => `DNS:${d}`), ...names.ip.map((i) => `IP:${i}`)].join(", ");

/** What to restart after server certificates changed (distribution reads TLS files only at start). */
export function reloadLines(names: string[], rollover: boolean): string[] {
  const lines = [
    `Reload: the registry reads its certificate only when it starts. Restart it (${names.join(", ")}):`,
    "  docker restart registry                 (started with docker run --name registry)",
    "  docker compose restart registry         (in the directory of its docker-compose.yml)",
    "  sudo systemctl restart docker-registry  (Debian/Ubuntu package)",
  ];
  if (rollover) {
    lines.push("The new certificate is signed by the new CA: restart only after every client trusts the overlap bundle (regcert install-trust).");
  } else {
    lines.push("Clients trust the CA, not the certificate: they need nothing new.");
  }
  return lines;
}

