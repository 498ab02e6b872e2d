/**
 * Certificate profiles as data, in smallstep's vocabulary. These are the only shapes regcert issues:
 * a CSR never chooses its own extensions.
 */
import type { ExtKeyUsageName, KeyUsageName } from "./extensions.js";

export type LeafProfileName = "server" | "client";
export type ProfileName = "root-ca" | LeafProfileName;

export interface Profile {
  name: ProfileName;
  ca: boolean;
  keyUsage: readonly KeyUsageName[];
  /** added for RSA keys only: TLS 1.2 RSA key exchange needs it; meaningless for ECDSA */
  rsaKeyUsage: readonly KeyUsageName[];
  extKeyUsage: readonly ExtKeyUsageName[];
  defaultDays: number;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  "root-ca": { name: "root-ca", ca: true, keyUsage: ["certSign", "crlSign"], rsaKeyUsage: [], extKeyUsage: [], defaultDays: 3650 },
  server: { name: "server", ca: false, keyUsage: ["digitalSignature"], rsaKeyUsage: ["keyEncipherment"], extKeyUsage: ["serverAuth"], defaultDays: 397 },
  client: { name: "client", ca: false, keyUsage: ["digitalSignature"], rsaKeyUsage: ["keyEncipherment"], extKeyUsage: ["clientAuth"], defaultDays: 397 },
};

/** The 825-day rule itself lives in validity.ts (validateLeafDays); re-exported for existing importers. */
export { MAX_LEAF_DAYS_WITHOUT_FORCE } from "./validity.js";
