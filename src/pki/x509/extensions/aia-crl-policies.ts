/**
 * The extensions Go reads only to check their shape: CRL distribution points, certificate policies (and
 * policy mappings/constraints, inhibitAnyPolicy), authority information access. A certificate whose
 * extension Go cannot parse is one no Go client can use, so the shape is checked with Go's texts.
 */
import { DerReader, TAG, decodeOid, readSingle } from "../der-reader.js";
import { fail, goRead } from "../errors.js";
import { OID } from "../oids.js";
import type { ExtensionParser } from "./types.js";

export const crlDistributionPoints: ExtensionParser = {
  oid: OID.crlDistributionPoints,
  name: "cRLDistributionPoints",
  parse(ext) {
    const v = ext.value;
    const seq = goRead("x509: invalid CRL distribution points", () => DerReader.inside(v, readSingle(v, TAG.SEQUENCE)));
    while (!seq.empty) goRead("x509: invalid CRL distribution point", () => seq.read(TAG.SEQUENCE));
    return true;
  },
};

export const certificatePolicies: ExtensionParser = {
  oid: OID.certificatePolicies,
  name: "certificatePolicies",
  parse(ext) {
    const v = ext.value;
    const seq = goRead("x509: invalid certificate policies", () => DerReader.inside(v, readSingle(v, TAG.SEQUENCE)));
    const seen = new Set<string>();
    while (!seq.empty) {
      const oid = goRead("x509: invalid certificate policies", () => {
        const policy = seq.enter(TAG.SEQUENCE);
        return decodeOid(policy.content(policy.read(TAG.OID)));
      });
      if (seen.has(oid)) fail("x509: invalid certificate policies");
      seen.add(oid);
    }
    return true;
  },
};

const shapeOnly = (oid: string, name: string): ExtensionParser => ({
  oid,
  name,
  parse(ext) {
    goRead("x509: malformed policy extension", () => readSingle(ext.value));
    return true;
  },
});

export const policyMappings = shapeOnly(OID.policyMappings, "policyMappings");
export const policyConstraints = shapeOnly(OID.policyConstraints, "policyConstraints");
export const inhibitAnyPolicy = shapeOnly(OID.inhibitAnyPolicy, "inhibitAnyPolicy");

export const authorityInfoAccess: ExtensionParser = {
  oid: OID.authorityInfoAccess,
  name: "authorityInfoAccess",
  parse(ext) {
    if (ext.critical) fail("x509: authority info access incorrectly marked critical");
    const v = ext.value;
    const seq = goRead("x509: invalid authority info access", () => DerReader.inside(v, readSingle(v, TAG.SEQUENCE)));
    while (!seq.empty) {
      goRead("x509: invalid authority info access", () => {
        const ad = seq.enter(TAG.SEQUENCE);
        decodeOid(ad.content(ad.read(TAG.OID)));
      });
    }
    return true;
  },
};
