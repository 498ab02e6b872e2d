/** regcert ca passphrase: encrypt the CA key, change its passphrase, or remove it; ca.key is replaced atomically. */
import { userError } from "../../pki/errors.js";
import { isEncryptedKeyPem } from "../../pki/pkcs8.js";
import { PBKDF2_ITERATIONS } from "../../pki/pkcs8.js";
import { loadIssuer, rewriteCaKey } from "../../files/ca-store.js";
import { readStoredCa, withHomeLock } from "../../files/home.js";
import type { Context } from "../context.js";
import { displayPath } from "../paths.js";
import { readNewPassphrase, readPassphrase } from "../passphrase.js";

export interface CaPassphraseFlags {
  passphraseFile?: string;
  newPassphraseFile?: string;
  remove?: boolean;
}

export async function run(ctx: Context, flags: CaPassphraseFlags): Promise<void> {
  if (flags.remove && flags.newPassphraseFile) {
    throw userError("regcert.conflictingFlags", "--remove and --new-passphrase-file cannot be used together", "give one: --remove stores ca.key unencrypted");
  }
  const home = ctx.home();
  const outcome = await withHomeLock(home, async () => {
    const stored = readStoredCa(home);
    if (!stored) throw userError("regcert.noCa", `no CA in ${home}`, "create one with `regcert init-ca --encrypt`, or pass --home DIR");
    const wasEncrypted = isEncryptedKeyPem(stored.keyPem);
    if (!wasEncrypted && flags.remove) throw userError("regcert.notEncrypted", `${stored.paths.key} is not encrypted; there is no passphrase to remove`, "to encrypt it, run regcert ca passphrase without --remove");
    // unlock first (and check the key still matches its certificate) before asking for the new one
    const loaded = loadIssuer(home, { passphrase: wasEncrypted ? await readPassphrase(ctx, flags.passphraseFile, home) : undefined });
    if (!loaded) throw userError("regcert.noCa", `no CA in ${home}`, "create one with `regcert init-ca --encrypt`, or pass --home DIR");
    const key = loaded.issuer.privateKey;
    if (!key) throw userError("regcert.tokenKey", `the CA key of ${home} is in a PKCS#11 token: it has no passphrase (the token's PIN protects it)`, "change the PIN with the token's own tool, e.g. pkcs11-tool --change-pin");
    const passphrase = flags.remove ? undefined : await readNewPassphrase(ctx, flags.newPassphraseFile, "--new-passphrase-file");
    const paths = rewriteCaKey(home, key, passphrase);
    return { paths, wasEncrypted, encrypted: passphrase !== undefined };
  });
  const { paths, wasEncrypted, encrypted } = outcome;
  if (ctx.ui.json) {
    ctx.ui.result({ command: "ca passphrase", home, key: paths.key, wasEncrypted, encrypted, kdf: encrypted ? { scheme: "PBES2", kdf: "PBKDF2", prf: "hmacWithSHA256", iterations: PBKDF2_ITERATIONS, cipher: "aes-256-cbc" } : null });
    return;
  }
  const key = displayPath(paths.key, ctx.cwd);
  if (!encrypted) {
    ctx.ui.warn(`${key} is now stored unencrypted: anyone who can read it can sign certificates your clients trust`);
    ctx.ui.info(`${ctx.ui.green("✓")} Removed the passphrase from ${key} (0600)`);
    return;
  }
  ctx.ui.info(`${ctx.ui.green("✓")} ${wasEncrypted ? "Changed the passphrase of" : "Encrypted"} ${key} (PBKDF2-HMAC-SHA256, ${PBKDF2_ITERATIONS.toLocaleString("en-US")} iterations, AES-256-CBC)`);
  ctx.ui.info("  issue, sign and renew now need --passphrase-file FILE or a terminal to ask on");
}
