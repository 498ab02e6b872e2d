/**
 * regcert init-ca: the root CA in the home, optionally name-constrained and with an encrypted key; or
 * the adoption of an existing CA (--import-cert/--import-key), checked and never repaired. Refuses to
 * replace an existing CA without --force. Everything that can be refused is checked before a key is
 * generated or a passphrase asked for.
 */
import { createRootCa } from "../../pki/ca.js";
import { userError } from "../../pki/errors.js";
import { ED25519_WARNING, describeKey, parseKeyAlgorithm } from "../../pki/keys.js";
import { saveCa } from "../../files/ca-store.js";
import { withHomeLock } from "../../files/home.js";
import { readCaForImport, type ImportedCa } from "../../lifecycle/import-ca.js";
import type { Context } from "../context.js";
import { assertNoCa, initCaReport, parseNewCaFlags, parsePermitDns, type InitCaFlags } from "../init-ca-shared.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";

export { assertNoCa, parsePermitDns, type InitCaFlags };
import { generateKeyWithProgress } from "../ca-access.js";
import { readInputFileSync } from "../input.js";
import { readNewPassphrase, readPassphraseFile } from "../passphrase.js";
import { askSecret } from "../prompts.js";
import { displayPath } from "../paths.js";

export async function run(ctx: Context, flags: InitCaFlags): Promise<void> {
  if (flags.pkcs11 !== undefined) return (await import("./init-ca-pkcs11.js")).runPkcs11(ctx, flags);
  if (flags.importCert || flags.importKey) return runImport(ctx, flags);
  const keyAlgorithm = parseKeyAlgorithm(flags.key ?? "ecdsa-p256");
  if (keyAlgorithm === "ed25519") ctx.ui.warn(ED25519_WARNING);
  const { days, maxPathLen, permitDns, permitIp, nameConstraints, commonName } = parseNewCaFlags(flags);
  const home = ctx.home();
  assertNoCa(home, flags.force === true);
  const passphrase = flags.encrypt || flags.passphraseFile ? await readNewPassphrase(ctx, flags.passphraseFile) : undefined;

  const result = await withHomeLock(home, async () => {
    const replaced = assertNoCa(home, flags.force === true);
    const keyPair = await generateKeyWithProgress(ctx, keyAlgorithm, "CA key");
    const ca = createRootCa({ commonName, organization: flags.org ?? "regcert", days, keyPair, maxPathLen, ...(nameConstraints ? { nameConstraints } : {}) });
    // the key PEM createRootCa exported is stored as is (a passphrase encrypts the key object instead)
    const paths = saveCa(home, ca, { force: flags.force === true, passphrase });
    return { ca, paths, replaced };
  });

  const { ca, paths, replaced } = result;
  const info = ca.issuer.certificate;
  if (ctx.ui.json) {
    ctx.ui.result(
      initCaReport({
        home,
        replaced,
        imported: false,
        certificatePath: paths.certificate,
        keyPath: paths.key,
        encrypted: passphrase !== undefined,
        keyAlgorithm,
        serial: ca.serialHex,
        certificate: info,
        warnings: [],
      }),
    );
    return;
  }
  if (replaced) ctx.ui.warn("replaced the previous CA: clients that trusted it will not trust certificates from this one");
  ctx.ui.info(`${ctx.ui.green("✓")} Created CA "${sanitizeForTerminal(info.commonName ?? "")}" (${keyAlgorithm}, expires ${ca.notAfter.toISOString().slice(0, 10)})`);
  ctx.ui.info(`  ${displayPath(paths.certificate, ctx.cwd)}  CA certificate: give this to clients`);
  ctx.ui.info(`  ${displayPath(paths.key, ctx.cwd)}  CA private key (0600${passphrase !== undefined ? ", encrypted" : ""}): never copy it anywhere`);
  if (nameConstraints) ctx.ui.info(`  name-constrained to: ${[...permitDns, ...permitIp].join(", ")}${permitIp.length === 0 ? " (no IP addresses)" : ""}`);
  ctx.ui.info();
  ctx.ui.info("Next: regcert issue --dns registry.local --ip 192.168.0.12");
}

/** The CA to adopt, from --import-cert/--import-key (checks in src/lifecycle/import-ca.ts). */
async function readImport(ctx: Context, flags: InitCaFlags): Promise<ImportedCa> {
  const { importCert, importKey } = flags;
  if (!importCert || !importKey) {
    throw userError("regcert.incompleteImport", "--import-cert and --import-key go together", "e.g. regcert init-ca --import-cert rootCA.crt --import-key rootCA.key");
  }
  return readCaForImport({
    certificateName: importCert,
    certificateWhat: `${importCert} (--import-cert)`,
    certificate: readInputFileSync(importCert, "--import-cert"),
    keyName: importKey,
    keyWhat: `${importKey} (--import-key)`,
    readKey: () => readInputFileSync(importKey, "--import-key").toString("latin1"),
    keyPassphrase: async () =>
      flags.passphraseFile
        ? readPassphraseFile(flags.passphraseFile)
        : askSecret(ctx, `Passphrase of ${importKey}`, "pass --passphrase-file FILE (there is no terminal to ask on)", `${importKey} is encrypted and no passphrase was given`),
    storePassphrase: async () => (flags.encrypt || flags.passphraseFile ? readNewPassphrase(ctx, flags.passphraseFile) : undefined),
  });
}

async function runImport(ctx: Context, flags: InitCaFlags): Promise<void> {
  const home = ctx.home();
  assertNoCa(home, flags.force === true);
  const imported = await readImport(ctx, flags);
  const result = await withHomeLock(home, async () => {
    const replaced = assertNoCa(home, flags.force === true);
    const paths = saveCa(home, { certificatePem: imported.certificate.pem, privateKey: imported.privateKey }, { force: flags.force === true, passphrase: imported.passphrase });
    return { paths, replaced };
  });
  const { paths, replaced } = result;
  const info = imported.certificate;
  if (ctx.ui.json) {
    ctx.ui.result(
      initCaReport({
        home,
        replaced,
        imported: true,
        certificatePath: paths.certificate,
        keyPath: paths.key,
        encrypted: imported.passphrase !== undefined,
        keyAlgorithm: describeKey(imported.privateKey).algorithm,
        certificate: info,
        warnings: imported.warnings,
      }),
    );
    return;
  }
  for (const warning of imported.warnings) ctx.ui.warn(warning);
  if (replaced) ctx.ui.warn("replaced the previous CA: clients that trusted it will not trust certificates from the adopted one");
  ctx.ui.info(`${ctx.ui.green("✓")} Adopted CA "${sanitizeForTerminal(info.commonName ?? "(no CN)")}" (${describeKey(imported.privateKey).algorithm}, expires ${info.notAfter.toISOString().slice(0, 10)})`);
  ctx.ui.info(`  ${displayPath(paths.certificate, ctx.cwd)}  CA certificate (the same one your clients already trust)`);
  ctx.ui.info(`  ${displayPath(paths.key, ctx.cwd)}  CA private key (0600${imported.passphrase !== undefined ? ", re-encrypted: PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256-CBC" : ""})`);
  ctx.ui.info(`  the originals (${flags.importKey}) are untouched: once this works, delete or lock away the old key file`);
  ctx.ui.info();
  ctx.ui.info("Next: regcert issue --dns registry.local --ip 192.168.0.12");
}
