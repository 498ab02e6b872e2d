/**
 * CA keys in a PKCS#11 token (HSM, YubiKey, TPM, SoftHSM): generated inside it (CKA_SENSITIVE,
 * non-extractable) or adopted, and used through a Signer, so every signing code path is the same as
 * for a key file. The key never leaves the token; regcert hashes, the token signs.
 *
 * Binding: pkcs11js (PeculiarVentures), a thin synchronous N-API wrapper over the Cryptoki C API, also
 * what graphene-pk11 and node-webcrypto-p11 are built on; thinner and fewer layers than either, and
 * its C_Sign is synchronous like node:crypto's sign, so the Signer stays synchronous. It is an
 * optionalDependency (a native addon built with node-gyp): loaded only here, only with --pkcs11, so
 * `npm ci` and every other command work on machines without a compiler; missing → exit 2 with the
 * install line.
 */
import { createHash, createPublicKey, verify as cryptoVerify, randomBytes, type KeyObject } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { derSequence, derTlv, derUnsignedInteger } from "../pki/der.js";
import { opt, phrase, RegcertError, userError } from "../pki/errors.js";
import { describeKey, signatureSchemeFor, type KeyAlgorithm } from "../pki/keys.js";
import type { Pkcs11Uri } from "../pki/pkcs11-uri.js";
import type { Signer } from "../pki/signer.js";
import { sanitizeForTerminal } from "../text/sanitize.js";

// The part of pkcs11js this module uses (its own typings need the package, which may be absent).
type Handle = Buffer;
interface Attribute {
  type: number;
  value?: number | boolean | string | Buffer | null;
}
interface Pkcs11 {
  load(path: string): void;
  C_Initialize(): void;
  C_Finalize(): void;
  C_GetSlotList(tokenPresent?: boolean): Handle[];
  C_GetTokenInfo(slot: Handle): { label: string; manufacturerID: string; serialNumber: string; model: string };
  C_OpenSession(slot: Handle, flags: number): Handle;
  C_CloseSession(session: Handle): void;
  C_Login(session: Handle, userType: number, pin?: string): void;
  C_FindObjectsInit(session: Handle, template: Attribute[]): void;
  C_FindObjects(session: Handle, max: number): Handle[];
  C_FindObjectsFinal(session: Handle): void;
  C_GetAttributeValue(session: Handle, object: Handle, template: Attribute[]): Attribute[];
  C_GenerateKeyPair(session: Handle, mechanism: { mechanism: number; parameter?: Buffer | null }, publicTemplate: Attribute[], privateTemplate: Attribute[]): { publicKey: Handle; privateKey: Handle };
  C_SignInit(session: Handle, mechanism: { mechanism: number; parameter?: Buffer | null }, key: Handle): void;
  C_Sign(session: Handle, data: Buffer, out: Buffer): Buffer;
}
interface Pkcs11Module {
  PKCS11: new () => Pkcs11;
  [constant: string]: unknown;
}

export const PKCS11_INSTALL_LINE = "npm install pkcs11js (a native addon: needs g++, make and python3; on Debian: apt-get install g++ make python3)";

type Require = (id: string) => unknown;

/** Loads pkcs11js; a missing or unbuilt binding is a user error (exit 2) with the install line. */
export function loadPkcs11Binding(requireFn: Require = createRequire(import.meta.url)): Pkcs11Module {
  try {
    return requireFn("pkcs11js") as Pkcs11Module;
  } catch (error) {
    throw new RegcertError("regcert.pkcs11Missing", phrase`${opt("pkcs11Uri")} needs the optional PKCS#11 binding (pkcs11js), which is not installed or did not build on this machine`, {
      exitCode: 2,
      hint: PKCS11_INSTALL_LINE,
      cause: error,
    });
  }
}

export interface TokenOptions {
  uri: Pkcs11Uri;
  /** the PKCS#11 module (.so); default the URI's module-path */
  modulePath?: string | undefined;
  pin: string;
  /** injected in tests */
  binding?: Pkcs11Module;
}

const C = (m: Pkcs11Module, name: string): number => {
  const value = m[name];
  if (typeof value !== "number") throw new Error(`pkcs11js lacks ${name}`);
  return value;
};

const tokenName = (uri: Pkcs11Uri) => (uri.token !== undefined ? `token "${sanitizeForTerminal(uri.token)}"` : "the token");
const ckr = (error: unknown): string => /CKR_[A-Z_]+/.exec(String((error as Error)?.message ?? error))?.[0] ?? "";

/** An open, logged-in session on the token the URI names. */
export class TokenSession {
  readonly m: Pkcs11Module;
  readonly p: Pkcs11;
  readonly session: Handle;
  readonly uri: Pkcs11Uri;
  readonly modulePath: string;
  private closed = false;

  private constructor(m: Pkcs11Module, p: Pkcs11, session: Handle, uri: Pkcs11Uri, modulePath: string) {
    this.m = m;
    this.p = p;
    this.session = session;
    this.uri = uri;
    this.modulePath = modulePath;
  }

  /** Loads the module, finds the token, logs in. Every failure is a user error naming the fix; nothing is changed on the token. */
  static open(options: TokenOptions): TokenSession {
    const modulePath = options.modulePath ?? options.uri.modulePath;
    if (!modulePath) {
      throw userError("regcert.pkcs11NoModule", "no PKCS#11 module given", phrase`add ${opt("modulePath", "PATH")}, e.g. ${opt("modulePath", "/usr/lib/softhsm/libsofthsm2.so")} (or module-path= in the URI)`);
    }
    if (!existsSync(modulePath) || !statSync(modulePath).isFile()) {
      throw userError("regcert.pkcs11NoModule", `the PKCS#11 module ${sanitizeForTerminal(modulePath)} does not exist`, phrase`give the token vendor's module with ${opt("modulePath")}, e.g. /usr/lib/softhsm/libsofthsm2.so (apt-get install softhsm2) or opensc-pkcs11.so`);
    }
    const m = options.binding ?? loadPkcs11Binding();
    const p = new m.PKCS11();
    try {
      p.load(modulePath);
    } catch (error) {
      throw userError("regcert.pkcs11NoModule", `${sanitizeForTerminal(modulePath)} cannot be loaded as a PKCS#11 module (${sanitizeForTerminal(String((error as Error).message).slice(0, 120))})`, phrase`give the token vendor's PKCS#11 module (.so) with ${opt("modulePath")}`);
    }
    p.C_Initialize();
    let session: Handle | undefined;
    try {
      const slot = findSlot(p, options.uri);
      session = p.C_OpenSession(slot, C(m, "CKF_SERIAL_SESSION") | C(m, "CKF_RW_SESSION"));
      try {
        p.C_Login(session, C(m, "CKU_USER"), options.pin);
      } catch (error) {
        const code = ckr(error);
        if (code === "CKR_USER_ALREADY_LOGGED_IN") {
          /* fine */
        } else if (code === "CKR_PIN_INCORRECT" || code === "CKR_PIN_LEN_RANGE" || code === "CKR_ARGUMENTS_BAD") {
          throw userError("regcert.pkcs11WrongPin", `wrong PIN for ${tokenName(options.uri)}`, phrase`check the PIN (${opt("pin", "FILE")} holds it on its first line); too many wrong PINs lock the token`);
        } else if (code === "CKR_PIN_LOCKED") {
          throw userError("regcert.pkcs11PinLocked", `the PIN of ${tokenName(options.uri)} is locked after too many wrong attempts`, "unlock it with the SO PIN, e.g. pkcs11-tool --login --login-type so --init-pin");
        } else {
          throw error;
        }
      }
      return new TokenSession(m, p, session, options.uri, modulePath);
    } catch (error) {
      try {
        p.C_Finalize();
      } catch {
        /* already failing */
      }
      throw error;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.p.C_CloseSession(this.session);
      this.p.C_Finalize();
    } catch {
      /* nothing to do at exit */
    }
  }

  /** Handles of objects of class `cls` that match the URI's object label and id. */
  find(cls: "CKO_PRIVATE_KEY" | "CKO_PUBLIC_KEY", uri: Pkcs11Uri = this.uri): Handle[] {
    const template: Attribute[] = [{ type: C(this.m, "CKA_CLASS"), value: C(this.m, cls) }];
    if (uri.object !== undefined) template.push({ type: C(this.m, "CKA_LABEL"), value: uri.object });
    if (uri.id !== undefined) template.push({ type: C(this.m, "CKA_ID"), value: Buffer.from(uri.id) });
    this.p.C_FindObjectsInit(this.session, template);
    try {
      return this.p.C_FindObjects(this.session, 16);
    } finally {
      this.p.C_FindObjectsFinal(this.session);
    }
  }

  attributes(handle: Handle, names: string[]): Record<string, Buffer | undefined> {
    const out: Record<string, Buffer | undefined> = {};
    for (const name of names) {
      try {
        const [attr] = this.p.C_GetAttributeValue(this.session, handle, [{ type: C(this.m, name) }]);
        out[name] = Buffer.isBuffer(attr?.value) ? attr.value : undefined;
      } catch {
        out[name] = undefined; // sensitive or absent
      }
    }
    return out;
  }

  /** Whether the key is flagged sensitive and non-extractable (what pkcs11-tool shows as "Access:"). */
  protection(handle: Handle): { sensitive: boolean; extractable: boolean } {
    const attrs = this.attributes(handle, ["CKA_SENSITIVE", "CKA_EXTRACTABLE"]);
    return { sensitive: attrs.CKA_SENSITIVE?.[0] === 1, extractable: attrs.CKA_EXTRACTABLE?.[0] === 1 };
  }
}

function findSlot(p: Pkcs11, uri: Pkcs11Uri): Handle {
  const slots = p.C_GetSlotList(true);
  const matches = slots.filter((slot) => {
    const info = p.C_GetTokenInfo(slot);
    const same = (wanted: string | undefined, actual: string) => wanted === undefined || actual.trimEnd() === wanted;
    return same(uri.token, info.label) && same(uri.manufacturer, info.manufacturerID) && same(uri.serial, info.serialNumber) && same(uri.model, info.model);
  });
  if (matches.length === 0) {
    const labels = slots.map((s) => `"${sanitizeForTerminal(p.C_GetTokenInfo(s).label.trimEnd())}"`).join(", ") || "none";
    throw userError("regcert.pkcs11NoToken", `no ${tokenName(uri)} in the PKCS#11 module (tokens present: ${labels})`, "check token= in the URI (pkcs11-tool --module MODULE --list-token-slots lists them), or plug the token in");
  }
  if (matches.length > 1) throw userError("regcert.pkcs11AmbiguousToken", `${matches.length} tokens match the URI`, "add serial= to the URI to name one");
  return matches[0] as Handle;
}

const OID_EC_PUBLIC_KEY = Uint8Array.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
const EC_PARAMS: Record<string, Uint8Array> = {
  "ecdsa-p256": Uint8Array.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]),
  "ecdsa-p384": Uint8Array.from([0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]),
};

/** The public key of a token key: from its public object (EC point) or its private object (RSA modulus, exponent). */
function publicKeyOf(token: TokenSession, privateHandle: Handle, publicHandleGiven?: Handle): KeyObject | undefined {
  const rsa = token.attributes(privateHandle, ["CKA_MODULUS", "CKA_PUBLIC_EXPONENT"]);
  if (rsa.CKA_MODULUS && rsa.CKA_PUBLIC_EXPONENT) {
    return createPublicKey({ key: { kty: "RSA", n: rsa.CKA_MODULUS.toString("base64url"), e: rsa.CKA_PUBLIC_EXPONENT.toString("base64url") }, format: "jwk" });
  }
  const id = token.attributes(privateHandle, ["CKA_ID"]).CKA_ID;
  const publicHandle = publicHandleGiven ?? token.find("CKO_PUBLIC_KEY", { ...token.uri, ...(id && id.length > 0 ? { id } : {}) })[0];
  if (!publicHandle) return undefined;
  const ec = token.attributes(publicHandle, ["CKA_EC_PARAMS", "CKA_EC_POINT"]);
  if (!ec.CKA_EC_PARAMS || !ec.CKA_EC_POINT) return undefined;
  // CKA_EC_POINT is DER OCTET STRING { 04 || X || Y } (PKCS#11 2.40 §2.3.3); some modules return the raw point
  let point = ec.CKA_EC_POINT;
  if (point[0] === 0x04 && point.length > 2 && (point[1] === point.length - 2 || (point[1] === 0x81 && point[2] === point.length - 3))) point = point.subarray(point[1] === 0x81 ? 3 : 2);
  const spki = derSequence(derSequence(OID_EC_PUBLIC_KEY, ec.CKA_EC_PARAMS), derTlv(0x03, Uint8Array.of(0), point));
  return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
}

/** A Signer over a private key in the token: node hashes, the token signs (ECDSA on the digest, RSA PKCS#1 v1.5 with the hash inside). */
export function tokenSigner(token: TokenSession, privateHandle: Handle, publicKey: KeyObject, uriText: string): Signer {
  const scheme = signatureSchemeFor(publicKey);
  const { type, bits } = describeKey(publicKey);
  const m = token.m;
  let sign: (data: Uint8Array) => Uint8Array;
  if (type === "ec") {
    const size = Math.ceil(bits / 8);
    sign = (data) => {
      const digest = createHash(scheme.hash as string).update(data).digest();
      token.p.C_SignInit(token.session, { mechanism: C(m, "CKM_ECDSA") }, privateHandle);
      const raw = token.p.C_Sign(token.session, digest, Buffer.alloc(2 * size));
      // PKCS#11 returns r || s; X.509 wants ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }
      return derSequence(derUnsignedInteger(raw.subarray(0, size)), derUnsignedInteger(raw.subarray(size, 2 * size)));
    };
  } else if (type === "rsa") {
    sign = (data) => {
      token.p.C_SignInit(token.session, { mechanism: C(m, "CKM_SHA256_RSA_PKCS") }, privateHandle);
      return new Uint8Array(token.p.C_Sign(token.session, Buffer.from(data), Buffer.alloc(Math.ceil(bits / 8))));
    };
  } else {
    throw userError("regcert.unsupportedKey", `the token key is ${describeKey(publicKey).algorithm}; regcert signs with ECDSA P-256/P-384 or RSA token keys`, "generate one with regcert init-ca --pkcs11 … --key ecdsa-p256");
  }
  return { algorithm: describeKey(publicKey).algorithm, publicKey, scheme, sign, kind: "pkcs11", uri: uriText };
}

/** Whether the token key behind `signer` is the key of `publicKey`: a fresh challenge signed in the token, verified outside. */
export function signerMatches(signer: Signer, publicKey: KeyObject): boolean {
  const challenge = randomBytes(32);
  try {
    return cryptoVerify(signer.scheme.hash, challenge, { key: publicKey, dsaEncoding: "der" }, signer.sign(challenge));
  } catch {
    return false;
  }
}

/** Finds the one private key the URI names. */
export function findPrivateKey(token: TokenSession): Handle {
  const found = token.find("CKO_PRIVATE_KEY");
  if (found.length === 0) {
    throw userError("regcert.pkcs11NoKey", `no private key ${describeObject(token.uri)} in ${tokenName(token.uri)}`, "check object=/id= in the URI (pkcs11-tool --module MODULE --login --list-objects lists them)");
  }
  if (found.length > 1) throw userError("regcert.pkcs11AmbiguousKey", `${found.length} private keys ${describeObject(token.uri)} in ${tokenName(token.uri)}`, "add id= to the URI to name one");
  return found[0] as Handle;
}

const describeObject = (uri: Pkcs11Uri) => [uri.object !== undefined ? `labelled "${sanitizeForTerminal(uri.object)}"` : "", uri.id ? `with id ${Buffer.from(uri.id).toString("hex")}` : ""].filter(Boolean).join(" ");

/** The signer of an existing token key; `publicKey` (from the CA certificate) is used when the token holds no public object. */
export function openTokenKey(token: TokenSession, uriText: string, publicKey?: KeyObject): Signer {
  const handle = findPrivateKey(token);
  const own = publicKeyOf(token, handle);
  const key = own ?? publicKey;
  if (!key) throw userError("regcert.pkcs11NoPublicKey", `the token holds no public key for the key ${describeObject(token.uri)}`, phrase`adopt it with ${opt("importCert", "CA.crt")} (its certificate supplies the public key)`);
  return tokenSigner(token, handle, key, uriText);
}

/** Refuses when the token already holds a private key with the URI's label/id (adopt it with --import-cert instead). */
export function assertKeyLabelFree(token: TokenSession): void {
  if (token.find("CKO_PRIVATE_KEY").length > 0) {
    throw userError("regcert.pkcs11KeyExists", `${tokenName(token.uri)} already holds a private key ${describeObject(token.uri)}`, phrase`adopt it with ${opt("importCert", "CA.crt")}, or name a new key with another object= label`);
  }
}

/**
 * Generates a CA key pair inside the token: private key CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE,
 * CKA_EXTRACTABLE false, CKA_SIGN only; a public key object beside it with the same label and id.
 * Refuses when a key with that label/id is already there (adopt it with --import-cert instead).
 */
export function generateTokenKey(token: TokenSession, algorithm: KeyAlgorithm): { signer: Signer; id: Uint8Array; label: string } {
  if (algorithm === "ed25519") throw userError("regcert.unsupportedKey", phrase`${opt("pkcs11Uri")} keys are ECDSA P-256/P-384 or RSA`, phrase`use ${opt("keyAlgorithm", "ecdsa-p256")} (the default), ecdsa-p384 or rsa-3072`);
  assertKeyLabelFree(token);
  const m = token.m;
  const id = token.uri.id ?? new Uint8Array(randomBytes(16));
  const label = token.uri.object ?? `regcert-ca-${Buffer.from(id).toString("hex").slice(0, 8)}`;
  const common = [
    { type: C(m, "CKA_TOKEN"), value: true },
    { type: C(m, "CKA_LABEL"), value: label },
    { type: C(m, "CKA_ID"), value: Buffer.from(id) },
  ];
  const privateTemplate: Attribute[] = [
    ...common,
    { type: C(m, "CKA_PRIVATE"), value: true },
    { type: C(m, "CKA_SENSITIVE"), value: true },
    { type: C(m, "CKA_EXTRACTABLE"), value: false },
    { type: C(m, "CKA_SIGN"), value: true },
    { type: C(m, "CKA_DECRYPT"), value: false },
    { type: C(m, "CKA_UNWRAP"), value: false },
  ];
  const publicUsage: Attribute[] = [
    { type: C(m, "CKA_VERIFY"), value: true },
    { type: C(m, "CKA_ENCRYPT"), value: false },
    { type: C(m, "CKA_WRAP"), value: false },
  ];
  let publicTemplate: Attribute[];
  let mechanism: number;
  if (algorithm.startsWith("ecdsa")) {
    mechanism = C(m, "CKM_EC_KEY_PAIR_GEN");
    publicTemplate = [...common, ...publicUsage, { type: C(m, "CKA_EC_PARAMS"), value: Buffer.from(EC_PARAMS[algorithm] as Uint8Array) }];
  } else {
    mechanism = C(m, "CKM_RSA_PKCS_KEY_PAIR_GEN");
    publicTemplate = [...common, ...publicUsage, { type: C(m, "CKA_MODULUS_BITS"), value: Number(algorithm.slice(4)) }, { type: C(m, "CKA_PUBLIC_EXPONENT"), value: Buffer.from([1, 0, 1]) }];
  }
  const keys = token.p.C_GenerateKeyPair(token.session, { mechanism, parameter: null }, publicTemplate, privateTemplate);
  const publicKey = publicKeyOf(token, keys.privateKey, keys.publicKey);
  if (!publicKey) throw new Error("the token generated a key pair but returned no public key");
  return { signer: tokenSigner(token, keys.privateKey, publicKey, ""), id, label };
}
