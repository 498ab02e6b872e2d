/**
 * PKCS#11 token access for commands: the PIN (--pin-file, the URI's pin-source, or asked on a TTY;
 * never stored) and the Signer of the home's token-held CA key. The binding (pkcs11js) and the
 * token module are loaded only here, only when a CA key is in a token.
 */
import { fileURLToPath } from "node:url";
import { userError } from "../pki/errors.js";
import { sanitizeForTerminal } from "../text/sanitize.js";
import type { CaCertificateInfo } from "../pki/issuer.js";
import { publicKeyFingerprint } from "../pki/keys.js";
import { parsePkcs11Uri, type Pkcs11Uri } from "../pki/pkcs11-uri.js";
import type { Signer } from "../pki/signer.js";
import type { TokenReference } from "../files/home.js";
import { openTokenKey, signerMatches, TokenSession } from "../pkcs11/token.js";
import type { Context } from "./context.js";
import { readPassphraseFile } from "./passphrase.js";
import { askSecret } from "./prompts.js";

/** RFC 7512 pin-source is a URI; a plain path is accepted too. Only file: sources are read. */
function readPinSource(source: string): string {
  let path = source;
  if (/^file:/i.test(source)) {
    try {
      path = fileURLToPath(source.startsWith("file://") ? source : `file://${source.slice(5)}`);
    } catch {
      throw userError("regcert.invalidPkcs11Uri", `pin-source "${sanitizeForTerminal(source.slice(0, 80))}" is not a file URI`, "use pin-source=/path/to/pin or pin-source=file:///path/to/pin");
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(source)) {
    throw userError("regcert.invalidPkcs11Uri", `pin-source "${sanitizeForTerminal(source.slice(0, 80))}": only files are supported`, "use pin-source=/path/to/pin (a file holding the PIN on its first line)");
  }
  return readPassphraseFile(path, "pin-source");
}

/** The token PIN: --pin-file, else the URI's pin-value or pin-source, else asked on a TTY; exit 2 otherwise. */
export async function readPin(ctx: Context, uri: Pkcs11Uri, pinFile: string | undefined): Promise<string> {
  if (pinFile) return readPassphraseFile(pinFile, "--pin-file");
  if (uri.pinValue !== undefined && uri.pinValue !== "") return uri.pinValue;
  if (uri.pinSource) return readPinSource(uri.pinSource);
  return askSecret(ctx, `PIN of token "${sanitizeForTerminal(uri.token ?? "?")}"`, "pass --pin-file FILE (first line: the PIN), or add pin-source=FILE to the pkcs11: URI", "the CA key is in a PKCS#11 token and no PIN was given");
}

/** Opens the token session a command signs through; it is closed when the process exits. */
export function openSession(uri: Pkcs11Uri, modulePath: string | undefined, pin: string): TokenSession {
  const session = TokenSession.open({ uri, modulePath, pin });
  process.once("exit", () => session.close());
  return session;
}

/** Opens the token key of `certificate` and proves it is that certificate's key (a challenge signed in the token). */
export function tokenSignerFor(session: TokenSession, uriText: string, certificate: CaCertificateInfo, what: string): Signer {
  const signer = openTokenKey(session, uriText, certificate.publicKey);
  if (publicKeyFingerprint(signer.publicKey) !== publicKeyFingerprint(certificate.publicKey) || !signerMatches(signer, certificate.publicKey)) {
    throw userError("regcert.caKeyMismatch", `the token key ${sanitizeForTerminal(uriText)} is not the key of ${sanitizeForTerminal(what)}`, "name the token key the certificate was made with (pkcs11-tool --list-objects shows labels and ids)");
  }
  return signer;
}

/** What loadIssuer needs for a home whose CA key is in a token: the PIN is read first (it may be asked for). */
export async function homeTokenSigner(ctx: Context, token: TokenReference, pinFile: string | undefined): Promise<(ref: TokenReference, certificate: CaCertificateInfo) => Signer> {
  const uri = parsePkcs11Uri(token.uri);
  const pin = await readPin(ctx, uri, pinFile);
  return (ref, certificate) => tokenSignerFor(openSession(uri, ref.module, pin), ref.uri, certificate, "the home's ca.crt");
}
