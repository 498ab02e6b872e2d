/**
 * regcert export NAME: the certificate NAME from the index as a PKCS#12 keystore (key + certificate +
 * CA chain), a Java truststore (the CA only) and/or fullchain.pem. The password comes from
 * --password-file or a TTY (asked twice), never from the command line; --no-password is explicit.
 * Everything is read and checked before one file is written; the files are written together.
 */
import { createHash, createPrivateKey, type KeyObject } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { userError } from "../../pki/errors.js";
import { publicKeyFingerprint } from "../../pki/keys.js";
import { parsePemBlocks, toPem } from "../../pki/pem.js";
import { createPkcs12Keystore, createPkcs12Truststore, type Pkcs12Profile } from "../../pki/pkcs12.js";
import { readCaCertificate, readTrustBundle } from "../../files/home.js";
import { currentEntries, entrySource, readIndex, type IndexEntry } from "../../files/index-store.js";
import { writeFilesAtomic, type FilePlan } from "../../files/write.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import type { Context } from "../context.js";
import { readInputFileSync } from "../input.js";
import { parseBaseName } from "../options.js";
import { readPassphraseFile } from "../passphrase.js";
import { displayPath } from "../paths.js";
import { askSecret } from "../prompts.js";

export interface ExportFlags {
  p12?: boolean;
  truststore?: boolean;
  fullchain?: boolean;
  legacy?: boolean;
  passwordFile?: string;
  /** false with --no-password */
  password?: boolean;
  out?: string;
  force?: boolean;
}

const sha256 = (der: Uint8Array) => createHash("sha256").update(der).digest("hex");

function findEntry(home: string, name: string): IndexEntry {
  const matches = currentEntries(readIndex(home).entries).filter((e) => e.name === name);
  if (matches.length === 0) {
    throw userError("regcert.unknownName", `no certificate named "${sanitizeForTerminal(name)}" in the index of ${home}`, "regcert status lists the names; export takes the --name a certificate was issued with");
  }
  if (matches.length > 1) {
    const where = matches.map((e) => e.files.certificate).join(", ");
    throw userError("regcert.ambiguousName", `${matches.length} current certificates are named "${sanitizeForTerminal(name)}" (${sanitizeForTerminal(where)})`, "renew or re-issue one of them under another --name, then export that name");
  }
  const entry = matches[0] as IndexEntry;
  if (entrySource(entry) === "acme") {
    throw userError(
      "regcert.acmeCertificate",
      `"${sanitizeForTerminal(name)}" (serial ${entry.serial}) was issued through regcert acme serve: its ACME client holds the key and the certificate files`,
      "export from the client's files: openssl pkcs12 -export -inkey KEY -in CERT -certfile ca.crt -out NAME.p12",
    );
  }
  return entry;
}

function readCertificateDer(path: string, what: string): Uint8Array {
  const blocks = parsePemBlocks(readInputFileSync(path, what).toString("latin1")).filter((b) => b.label === "CERTIFICATE");
  if (blocks.length === 0) throw userError("regcert.badCertificate", `${path} holds no PEM certificate`, "re-issue it: regcert renew NAME");
  return (blocks[0] as { der: Uint8Array }).der;
}

function readLeafKey(entry: IndexEntry): KeyObject {
  const path = entry.files.key;
  if (!path) {
    throw userError("regcert.noKey", `regcert never had the private key of ${entry.files.certificate} (it signed a CSR)`, "build the keystore where the key is: openssl pkcs12 -export -inkey KEY -in CERT -certfile ca.crt -out NAME.p12");
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(readInputFileSync(path, "the key file"));
  } catch (error) {
    if ((error as { exitCode?: number }).exitCode === 2) throw error;
    throw userError("regcert.badKey", `${path} is not a readable (unencrypted) private key`, "re-issue the certificate with a new key: regcert renew NAME");
  }
  if (publicKeyFingerprint(key) !== entry.publicKeyFingerprint) {
    throw userError("regcert.keyMismatch", `${path} is not the key of ${entry.files.certificate}`, "restore the matching key, or re-issue: regcert renew NAME");
  }
  return key;
}

async function readPassword(ctx: Context, flags: ExportFlags): Promise<string | undefined> {
  if (flags.password === false) {
    if (flags.passwordFile) throw userError("regcert.conflictingFlags", "--no-password and --password-file exclude each other", "drop one of them");
    if (flags.legacy) throw userError("regcert.conflictingFlags", "--legacy chooses an encryption, --no-password turns it off", "drop one of them");
    return undefined;
  }
  if (flags.passwordFile) return readPassphraseFile(flags.passwordFile, "--password-file");
  return askSecret(ctx, "Keystore password", "pass --password-file FILE (or --no-password for an unprotected keystore)", "a keystore password is needed and there is no terminal to ask for it", true);
}

export async function run(ctx: Context, rawName: string, flags: ExportFlags): Promise<void> {
  const name = parseBaseName(rawName, "registry");
  if (!flags.p12 && !flags.truststore && !flags.fullchain) {
    throw userError("regcert.nothingToExport", "say what to export", `add --p12 (keystore), --truststore (CA only) and/or --fullchain, e.g. regcert export ${name} --p12 --password-file pw.txt`);
  }
  const home = ctx.home();
  const entry = findEntry(home, name);
  const certificate = readCertificateDer(entry.files.certificate, "the certificate");
  if (sha256(certificate) !== entry.fingerprint) {
    throw userError("regcert.certificateChanged", `${entry.files.certificate} is no longer the certificate regcert issued as "${name}"`, "regcert status shows what changed; re-issue with regcert renew NAME");
  }
  const bundle = readTrustBundle(home) ?? readCaCertificate(home);
  if (!bundle) throw userError("regcert.noCa", `no CA in ${home}`, "pass --home DIR (the home the certificate was issued from)");
  const cas = parsePemBlocks(bundle).filter((b) => b.label === "CERTIFICATE").map((b) => b.der);
  const issuer = cas.find((der) => sha256(der) === entry.issuer.fingerprint);
  if (!issuer && (flags.p12 || flags.fullchain)) {
    throw userError("regcert.issuerMissing", `the CA that signed "${name}" is not in ${home} any more`, `re-issue it under the current CA: regcert renew ${name}`);
  }
  const key = flags.p12 ? readLeafKey(entry) : undefined;
  const password = flags.p12 || flags.truststore ? await readPassword(ctx, flags) : undefined;
  const profile: Pkcs12Profile = flags.legacy ? "legacy" : "aes";

  const outDir = flags.out ? resolve(ctx.cwd, flags.out) : dirname(entry.files.certificate);
  const plan: FilePlan = [];
  if (flags.p12 && key && issuer) {
    const p12 = createPkcs12Keystore({ privateKey: key, certificate, chain: [issuer], alias: name, password, profile });
    plan.push({ path: join(outDir, `${name}.p12`), contents: p12, mode: 0o600, label: "PKCS#12 keystore (private key, 0600)" });
  }
  if (flags.truststore) {
    const certificates = cas.map((der, i) => ({ der, alias: i === 0 ? "regcert-ca" : `regcert-ca-${i + 1}` }));
    plan.push({ path: join(outDir, `${name}.truststore.p12`), contents: createPkcs12Truststore({ certificates, password, profile }), mode: 0o644, label: "Java truststore (CA only)" });
  }
  if (flags.fullchain && issuer) {
    plan.push({ path: join(outDir, `${name}.fullchain.pem`), contents: toPem("CERTIFICATE", certificate) + toPem("CERTIFICATE", issuer), mode: 0o644, label: "certificate + CA chain" });
  }
  writeFilesAtomic(plan, { force: flags.force === true });

  if (ctx.ui.json) {
    ctx.ui.result({
      command: "export",
      name,
      files: plan.map((e) => ({ path: e.path, mode: e.mode, label: e.label })),
      encryption: password === undefined ? null : profile === "legacy" ? "pbeWithSHAAnd3-KeyTripleDES-CBC, MAC SHA-1" : "PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC, MAC SHA-256",
      alias: flags.p12 ? name : null,
    });
    return;
  }
  for (const e of plan) ctx.ui.info(`${ctx.ui.green("✓")} ${displayPath(e.path, ctx.cwd)}  ${e.label}`);
  if (password === undefined && (flags.p12 || flags.truststore)) ctx.ui.warn("the keystore has no password: nothing in it is encrypted or integrity-protected");
  if (flags.legacy) ctx.ui.warn("--legacy uses 3DES and SHA-1 (for Java 8 and old appliances); drop it for anything newer");
}
