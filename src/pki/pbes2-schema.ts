/**
 * PBES2-params and PBKDF2-params (RFC 8018 A.2, A.4) as @peculiar ASN.1 schemas: not in the @peculiar
 * packages, so declared here. Used where the rest of a structure is built with those schemas (PKCS#12,
 * src/pki/pkcs12.ts) and by tests as the independent encoder; src/pki/pkcs8.ts reads and writes the
 * same structures with the strict DER reader and writers instead, so the CA key path loads no @peculiar.
 * The decorators are applied as plain calls because this project compiles without experimentalDecorators.
 */
import { AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";

export class Pbkdf2Params {
  salt = new OctetString();
  /** raw INTEGER bytes: a hostile count must not be rounded into something harmless-looking */
  iterationCount = new ArrayBuffer(0);
  keyLength?: ArrayBuffer;
  prf?: AlgorithmIdentifier;
  constructor(params: Partial<Pbkdf2Params> = {}) {
    Object.assign(this, params);
  }
}
AsnType({ type: AsnTypeTypes.Sequence })(Pbkdf2Params);
AsnProp({ type: OctetString })(Pbkdf2Params.prototype, "salt");
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(Pbkdf2Params.prototype, "iterationCount");
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter, optional: true })(Pbkdf2Params.prototype, "keyLength");
AsnProp({ type: AlgorithmIdentifier, optional: true })(Pbkdf2Params.prototype, "prf");

export class Pbes2Params {
  keyDerivationFunc = new AlgorithmIdentifier();
  encryptionScheme = new AlgorithmIdentifier();
  constructor(params: Partial<Pbes2Params> = {}) {
    Object.assign(this, params);
  }
}
AsnType({ type: AsnTypeTypes.Sequence })(Pbes2Params);
AsnProp({ type: AlgorithmIdentifier })(Pbes2Params.prototype, "keyDerivationFunc");
AsnProp({ type: AlgorithmIdentifier })(Pbes2Params.prototype, "encryptionScheme");
