/** The extension parsers, registered by OID: the model looks an extension up here; unknown ones are kept raw. */
import { authorityInfoAccess, certificatePolicies, crlDistributionPoints, inhibitAnyPolicy, policyConstraints, policyMappings } from "./aia-crl-policies.js";
import { basicConstraints } from "./basic-constraints.js";
import { extKeyUsage } from "./ext-key-usage.js";
import { authorityKeyIdentifier, subjectKeyIdentifier } from "./key-identifiers.js";
import { keyUsage } from "./key-usage.js";
import { nameConstraints } from "./name-constraints.js";
import { subjectAltName } from "./subject-alt-name.js";
import type { ExtensionParser } from "./types.js";

export type { ExtensionParser } from "./types.js";

export const EXTENSION_PARSERS: ReadonlyMap<string, ExtensionParser> = new Map(
  [
    basicConstraints,
    keyUsage,
    extKeyUsage,
    subjectAltName,
    nameConstraints,
    subjectKeyIdentifier,
    authorityKeyIdentifier,
    crlDistributionPoints,
    certificatePolicies,
    policyMappings,
    policyConstraints,
    inhibitAnyPolicy,
    authorityInfoAccess,
  ].map((p) => [p.oid, p]),
);
