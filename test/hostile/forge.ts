/**
 * Certificates regcert would never make, forged for tests with the engine's low-level
 * encodeTbsCertificate/signTbs: CAs with CA:FALSE, a keyUsage without keyCertSign, or already
 * expired; and leaves outside a CA's name constraints, signed directly with the CA key (what a thief
 * of the key would do). The extensions come from the same builders the engine uses.
 */
import { keySigner } from "../../src/pki/signer.js";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { certificatePem, encodeName, encodeTbsCertificate, randomSerial, signTbs } from "../../src/pki/certificate.js";
import {
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
  type KeyUsageName,
} from "../../src/pki/extensions.js";
import { exportPrivateKeyPem, keyIdentifier, signatureSchemeFor, spkiDer } from "../../src/pki/keys.js";
import type { NameSet } from "../../src/pki/names.js";

export interface ForgedCa {
  certificatePem: string;
  keyPem: string;
  key: KeyObject;
  name: Uint8Array;
}

export const newKey = (): KeyObject => generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;

const DAY = 86_400_000;

/** A self-signed "CA" with whatever flags a test needs (defaults: a proper CA valid for a year). */
export function forgeCa(
  options: { commonName?: string; ca?: boolean; keyUsage?: KeyUsageName[] | null; notBefore?: Date; notAfter?: Date; key?: KeyObject; extensions?: Uint8Array[] } = {},
): ForgedCa {
  const key = options.key ?? newKey();
  const scheme = signatureSchemeFor(key);
  const spki = spkiDer(key);
  const name = encodeName({ organization: "forged", commonName: options.commonName ?? "Forged CA" });
  const extensions = [basicConstraintsExtension(options.ca ?? true, options.ca === false ? undefined : 0)];
  if (options.keyUsage !== null) extensions.push(keyUsageExtension(options.keyUsage ?? ["certSign", "crlSign"]));
  extensions.push(subjectKeyIdentifierExtension(keyIdentifier(spki)), ...(options.extensions ?? []));
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY);
  const tbs = encodeTbsCertificate({ serial: randomSerial(), scheme, issuerName: name, notBefore, notAfter, subjectName: name, spki, extensions });
  return { certificatePem: certificatePem(signTbs(tbs, keySigner(key))), keyPem: exportPrivateKeyPem(key), key, name };
}

/**
 * A server leaf for `names`, signed directly with `caKey` under `caName` (the exact DER subject of the
 * CA certificate), bypassing every check regcert's issue/sign would make.
 */
export function forgeLeaf(options: { caKey: KeyObject; caName: Uint8Array; names: NameSet; commonName?: string; days?: number }): { certificatePem: string; keyPem: string } {
  const leafKey = newKey();
  const scheme = signatureSchemeFor(options.caKey);
  const spki = spkiDer(leafKey);
  const caKeyId = keyIdentifier(spkiDer(options.caKey));
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(notBefore.getTime() + (options.days ?? 30) * DAY);
  const subjectName = encodeName({ commonName: options.commonName });
  const extensions = [
    basicConstraintsExtension(false),
    keyUsageExtension(["digitalSignature"]),
    extKeyUsageExtension(["serverAuth"]),
    subjectAltNameExtension(options.names, subjectName.length === 2),
    subjectKeyIdentifierExtension(keyIdentifier(spki)),
    authorityKeyIdentifierExtension(caKeyId),
  ];
  const tbs = encodeTbsCertificate({ serial: randomSerial(), scheme, issuerName: options.caName, notBefore, notAfter, subjectName, spki, extensions });
  return { certificatePem: certificatePem(signTbs(tbs, keySigner(options.caKey))), keyPem: exportPrivateKeyPem(leafKey) };
}
