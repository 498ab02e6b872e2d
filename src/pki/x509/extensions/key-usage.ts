/** keyUsage (RFC 5280 §4.2.1.3), as Go's parseKeyUsageExtension: bit i of the BIT STRING is Go's 1 << i. */
import { TAG, decodeBitString, readSingle } from "../der-reader.js";
import { goRead } from "../errors.js";
import { OID } from "../oids.js";
import type { ExtensionParser } from "./types.js";

/** Key usage bit positions as Go numbers them (KeyUsageDigitalSignature = 1 << 0 …), in smallstep's words. */
export const KEY_USAGE_BITS = ["digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment", "keyAgreement", "certSign", "crlSign", "encipherOnly", "decipherOnly"] as const;
export const KU_CERT_SIGN = 1 << 5;

export const keyUsage: ExtensionParser = {
  oid: OID.keyUsage,
  name: "keyUsage",
  parse(ext, cert) {
    const v = ext.value;
    const bits = goRead("x509: invalid key usage", () => decodeBitString(v.subarray(readSingle(v, TAG.BIT_STRING).contentStart)));
    let usage = 0;
    for (let i = 0; i < 9; i++) {
      const byte = bits.bytes[i >> 3];
      if (byte !== undefined && (byte >> (7 - (i & 7))) & 1) usage |= 1 << i;
    }
    cert.keyUsage = usage;
    cert.hasKeyUsage = true;
    return true;
  },
};

export function keyUsageNames(usage: number): string[] {
  return KEY_USAGE_BITS.filter((_, bit) => (usage >> bit) & 1);
}
