/**
 * regcert init-ca --pkcs11 URI: a root CA whose key never leaves a PKCS#11 token. Without
 * --import-cert the key pair is generated inside the token (sensitive, non-extractable) and the root
 * certificate is signed by it; with --import-cert an existing token key is adopted after the token
 * proves it holds that certificate's key. The home gets ca.crt and ca.pkcs11 (URI + module, never the
 * PIN). Everything that can be refused (flags, CA present, module, token, PIN, key) is refused before
 * anything is generated or written.
 */
import { resolve } from "node:path";
import { createRootCaCertificate } from "../../pki/ca.js";
import { userError } from "../../pki/errors.js";
import { parseCaCertificate, prepareIssuer } from "../../pki/issuer.js";
import { describeKey, parseKeyAlgorithm } from "../../pki/keys.js";
import { formatPkcs11Uri, parsePkcs11Uri } from "../../pki/pkcs11-uri.js";
import { saveTokenCa } from "../../files/ca-store.js";
import { withHomeLock } from "../../files/home.js";
import { assertKeyLabelFree, findPrivateKey, generateTokenKey } from "../../pkcs11/token.js";
import type { Signer } from "../../pki/signer.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import type { Context } from "../context.js";
import { displayPath } from "../paths.js";
import { openSession, readPin, tokenSignerFor } from "../token-access.js";
import { assertNoCa, initCaReport, parseNewCaFlags, type InitCaFlags } from "../init-ca-shared.js";
import { checkImportCertificate } from "../../lifecycle/import-ca.js";
import { readInputFileSync } from "../input.js";

export async function runPkcs11(ctx: Context, flags: InitCaFlags): Promise<void> {
  const uri = parsePkcs11Uri(flags.pkcs11 ?? "");
  if (flags.importKey) throw userError("regcert.conflictingFlags", "--import-key and --pkcs11 exclude each other: the key is in the token", "drop --import-key; --pkcs11 URI --import-cert CA.crt adopts the token key");
  if (flags.encrypt || flags.passphraseFile) throw userError("regcert.conflictingFlags", "a token key has no passphrase file: the token's PIN protects it", "drop --encrypt/--passphrase-file; give the PIN with --pin-file FILE or on the terminal");
  const keyAlgorithm = parseKeyAlgorithm(flags.key ?? "ecdsa-p256");
  if (keyAlgorithm === "ed25519") throw userError("regcert.unsupportedKey", "--pkcs11 keys are ECDSA P-256/P-384 or RSA", "use --key ecdsa-p256 (the default), ecdsa-p384 or rsa-3072");
  const { days, maxPathLen, nameConstraints, commonName } = parseNewCaFlags(flags);
  const modulePath = flags.pkcs11Module ?? uri.modulePath;
  const home = ctx.home();
  assertNoCa(home, flags.force === true);
  const imported = flags.importCert ? checkImportCertificate({ certificate: readInputFileSync(flags.importCert, "--import-cert"), certificateName: flags.importCert, certificateWhat: `${flags.importCert} (--import-cert)` }) : undefined;
  if (uri.pinValue !== undefined) ctx.ui.warn("pin-value in the URI is used for this run only and never stored; prefer --pin-file or pin-source=FILE (a command line is visible to other users)");
  const pin = await readPin(ctx, uri, flags.pinFile);
  const session = openSession(uri, modulePath, pin);

  // the token is checked before the home is touched: the key must match --import-cert, or the label must be free
  const uriText = formatPkcs11Uri({ ...uri, pinValue: undefined, modulePath: undefined });
  const warnings: string[] = [];
  let adopted: Signer | undefined;
  if (imported) {
    adopted = tokenSignerFor(session, uriText, imported.certificate, `${flags.importCert} (--import-cert)`);
    prepareIssuer({ certificate: imported.certificate, privateKey: adopted });
    const protection = session.protection(findPrivateKey(session));
    if (!protection.sensitive || protection.extractable) warnings.push("the adopted token key is extractable or not sensitive: it can be copied out of the token (generate a new one with init-ca --pkcs11 without --import-cert)");
    if (!imported.selfIssued) warnings.push(`${flags.importCert} is not self-signed (an intermediate CA): servers must also send its issuer's certificate`);
  } else {
    assertKeyLabelFree(session);
  }

  const result = await withHomeLock(home, async () => {
    const replaced = assertNoCa(home, flags.force === true);
    let stored = uri;
    let certificatePem: string;
    if (imported) {
      certificatePem = imported.certificate.pem;
    } else {
      const key = generateTokenKey(session, keyAlgorithm);
      stored = { ...uri, object: key.label, id: key.id };
      certificatePem = createRootCaCertificate(key.signer, { commonName, organization: flags.org ?? "regcert", days, maxPathLen, ...(nameConstraints ? { nameConstraints } : {}) }).certificatePem;
    }
    const recorded = formatPkcs11Uri({ ...stored, pinValue: undefined, modulePath: undefined });
    const paths = saveTokenCa(home, { certificatePem, token: { uri: recorded, module: resolve(modulePath as string) } }, { force: flags.force === true });
    return { paths, replaced, uriText: recorded, generated: !imported, warnings, certificatePem };
  });
  session.close();

  const info = parseCaCertificate(result.certificatePem);
  if (ctx.ui.json) {
    ctx.ui.result(
      initCaReport({
        home,
        replaced: result.replaced,
        imported: !result.generated,
        certificatePath: result.paths.certificate,
        keyPath: null,
        pkcs11: { uri: result.uriText, module: resolve(modulePath as string), reference: result.paths.token },
        encrypted: false,
        keyAlgorithm: describeKey(info.publicKey).algorithm,
        certificate: info,
        warnings: result.warnings,
      }),
    );
    return;
  }
  for (const warning of result.warnings) ctx.ui.warn(warning);
  if (result.replaced) ctx.ui.warn("replaced the previous CA: clients that trusted it will not trust certificates from this one");
  const verb = result.generated ? "Created" : "Adopted";
  ctx.ui.info(`${ctx.ui.green("✓")} ${verb} CA "${sanitizeForTerminal(info.commonName ?? "(no CN)")}" with its key in the PKCS#11 token (expires ${info.notAfter.toISOString().slice(0, 10)})`);
  ctx.ui.info(`  ${displayPath(result.paths.certificate, ctx.cwd)}  CA certificate: give this to clients`);
  ctx.ui.info(`  ${displayPath(result.paths.token, ctx.cwd)}  where the key is: ${sanitizeForTerminal(result.uriText)} (no PIN stored)`);
  ctx.ui.info(`  the key ${result.generated ? "was generated in the token: sensitive, not extractable" : "stays in the token"}; signing commands ask for the PIN (or take --pin-file)`);
  ctx.ui.info();
  ctx.ui.info("Next: regcert issue --dns registry.local --ip 192.168.0.12");
}
