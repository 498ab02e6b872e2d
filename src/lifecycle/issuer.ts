/**
 * The home's CA as an issuer: loaded (unlocked when encrypted), or for issue/sign created on first use.
 * Plain options in: the CLI supplies the passphrase reader and the key generator (with its progress
 * display); library callers pass their own.
 */
import { hostname, userInfo } from "node:os";
import { createRootCa } from "../pki/ca.js";
import { opt, phrase, userError } from "../pki/errors.js";
import type { Issuer } from "../pki/issuer.js";
import { generateKeyPair, type KeyAlgorithm, type KeyPair } from "../pki/keys.js";
import { loadIssuer, saveCa, type LoadCaOptions } from "../files/ca-store.js";
import { readStoredCa, withHomeLock, type CaPaths, type TokenReference } from "../files/home.js";

/** "regcert CA alice@build-01 2026-11-24": unique enough that trust stores deleting by name never confuse two CAs. */
export function defaultCaName(now = new Date(), env: NodeJS.ProcessEnv = process.env): string {
  let user = "user";
  try {
    user = env.SUDO_USER || userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return `regcert CA ${user}@${hostname()} ${now.toISOString().slice(0, 10)}`;
}

export interface ObtainedIssuer {
  issuer: Issuer;
  paths: CaPaths;
  created: boolean;
}

export interface ObtainIssuerOptions {
  home: string;
  /** create the CA when the home has none, with this key type; default: refuse */
  createWith?: KeyAlgorithm | undefined;
  /** the CA key's passphrase (asked only when needed; undefined: none). A new CA gets it too. */
  passphrase?: () => Promise<string | undefined>;
  /** makes the new CA key; default generateKeyPair */
  generateKey?: (algorithm: KeyAlgorithm) => Promise<KeyPair>;
  /** default now */
  now?: Date;
  /** opens a token-held CA key (PKCS#11): asked only when the home records a token */
  tokenSigner?: () => Promise<LoadCaOptions["tokenSigner"]>;
}

/** Loads the home's CA (refusing an expired one before any leaf key is made), or creates it when asked to. */
export async function obtainIssuer(options: ObtainIssuerOptions): Promise<ObtainedIssuer> {
  const { home } = options;
  return withHomeLock(home, async () => {
    const passphrase = options.passphrase ? await options.passphrase() : undefined;
    const token = readStoredCaToken(home);
    const tokenSigner = token && options.tokenSigner ? await options.tokenSigner() : undefined;
    const loaded = loadIssuer(home, { passphrase, tokenSigner });
    const now = options.now ?? new Date();
    if (loaded) {
      // refused here, before any leaf key is generated (the engine refuses it again when signing)
      const expiry = loaded.issuer.certificate.notAfter;
      if (expiry.getTime() <= now.getTime()) throw userError("regcert.caExpired", `the CA certificate expired on ${expiry.toISOString()}`, "create a new CA (regcert init-ca --force, or regcert ca rotate) and re-issue");
      return { ...loaded, created: false };
    }
    if (!options.createWith) {
      throw userError("regcert.noCa", `no CA in ${home}`, phrase`create one with \`regcert init-ca\`, or pass ${opt("home", "DIR")}`);
    }
    const keyPair = await (options.generateKey ?? generateKeyPair)(options.createWith);
    const ca = createRootCa({ commonName: defaultCaName(now), keyPair });
    // a passphrase given before any CA exists protects the one created now
    // the PEM createRootCa already exported is stored as is (no second export); a passphrase encrypts the key object
    const paths = saveCa(home, ca, { passphrase });
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
