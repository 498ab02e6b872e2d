/** How commands get at the home's CA: load it (unlocking it if encrypted) or, for issue/sign, create it on first use. */
import { hostname, userInfo } from "node:os";
import { createRootCa } from "../pki/ca.js";
import { userError } from "../pki/errors.js";
import type { Issuer } from "../pki/issuer.js";
import { generateKeyPair, type KeyAlgorithm } from "../pki/keys.js";
import { loadIssuer, saveCa } from "../files/ca-store.js";
import { readStoredCa, withHomeLock, type CaPaths, type TokenReference } from "../files/home.js";
import { readPassphrase } from "./passphrase.js";
import type { Context } from "./context.js";

/** "regcert CA alice@build-01 2026-11-24": unique enough that trust stores deleting by name never confuse two CAs. */
export function defaultCaName(now = new Date()): string {
  let user = "user";
  try {
    user = process.env.SUDO_USER || userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return `regcert CA ${user}@${hostname()} ${now.toISOString().slice(0, 10)}`;
}

/** Generates a key with a spinner on a TTY (RSA-4096 can take seconds). */
export async function generateKeyWithProgress(ctx: Context, algorithm: KeyAlgorithm, what: string) {
  const stop = algorithm.startsWith("rsa") ? ctx.ui.progress(`Generating ${algorithm.toUpperCase()} ${what}…`) : () => {};
  try {
    return await generateKeyPair(algorithm);
  } finally {
    stop();
  }
}

export interface ObtainedIssuer {
  issuer: Issuer;
  paths: CaPaths;
  created: boolean;
}

export interface ObtainOptions {
  /** create the CA when the home has none, with this key type */
  createWith?: KeyAlgorithm;
  passphraseFile?: string | undefined;
  /** the PIN of a token-held CA key (--pin-file) */
  pinFile?: string | undefined;
}

export async function obtainIssuer(ctx: Context, options: ObtainOptions): Promise<ObtainedIssuer> {
  const home = ctx.home();
  return withHomeLock(home, async () => {
    const passphrase = await readPassphrase(ctx, options.passphraseFile, home);
    const token = readStoredCaToken(home);
    const tokenSigner = token ? await (await import("./token-access.js")).homeTokenSigner(ctx, token, options.pinFile) : undefined;
    const loaded = loadIssuer(home, { passphrase, tokenSigner });
    if (loaded) {
      // refused here, before any leaf key is generated (the engine refuses it again when signing)
      const expiry = loaded.issuer.certificate.notAfter;
      if (expiry.getTime() <= Date.now()) throw userError("regcert.caExpired", `the CA certificate expired on ${expiry.toISOString()}`, "create a new CA (regcert init-ca --force, or regcert ca rotate) and re-issue");
      return { ...loaded, created: false };
    }
    if (!options.createWith) {
      throw userError("regcert.noCa", `no CA in ${home}`, "create one with `regcert init-ca`, or pass --home DIR");
    }
    const keyPair = await generateKeyWithProgress(ctx, options.createWith, "CA key");
    const ca = createRootCa({ commonName: defaultCaName(), keyPair });
    // a --passphrase-file given before any CA exists protects the one created now
    const paths = saveCa(home, { certificatePem: ca.certificatePem, privateKey: ca.privateKey }, { passphrase });
    return { issuer: ca.issuer, paths, created: true };
  });
}

/** The token reference of a home whose CA key is in a PKCS#11 token (undefined otherwise, or when the home is broken: loading reports that). */
function readStoredCaToken(home: string): TokenReference | undefined {
  try {
    return readStoredCa(home)?.token;
  } catch {
    return undefined;
  }
}
