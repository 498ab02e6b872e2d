/** How commands get at the home's CA: src/lifecycle/issuer.ts with the CLI's passphrase prompt and key-generation spinner. */
import type { KeyAlgorithm } from "../pki/keys.js";
import { generateKeyPair } from "../pki/keys.js";
import { obtainIssuer as obtainLifecycleIssuer, type ObtainedIssuer } from "../lifecycle/issuer.js";
import { readPassphrase } from "./passphrase.js";
import { readStoredCa } from "../files/home.js";
import type { Context } from "./context.js";

export { defaultCaName, type ObtainedIssuer } from "../lifecycle/issuer.js";

/** Generates a key with a spinner on a TTY (RSA-4096 can take seconds). */
export async function generateKeyWithProgress(ctx: Context, algorithm: KeyAlgorithm, what: string) {
  const stop = algorithm.startsWith("rsa") ? ctx.ui.progress(`Generating ${algorithm.toUpperCase()} ${what}…`) : () => {};
  try {
    return await generateKeyPair(algorithm);
  } finally {
    stop();
  }
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
  return obtainLifecycleIssuer({
    home,
    createWith: options.createWith,
    passphrase: () => readPassphrase(ctx, options.passphraseFile, home),
    generateKey: (algorithm) => generateKeyWithProgress(ctx, algorithm, "CA key"),
    tokenSigner: async () => {
      const token = readStoredCa(home)?.token;
      return token ? (await import("./token-access.js")).homeTokenSigner(ctx, token, options.pinFile) : undefined;
    },
  });
}
