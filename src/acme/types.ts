/** The ACME objects this server keeps (RFC 8555 §7.1), as stored: plain JSON, one record per object. */
import type { ProblemDocument } from "./problems.js";
import type { PublicJwk } from "./jws.js";

export interface Identifier {
  type: "dns" | "ip";
  value: string;
}

export type ChallengeType = "http-01" | "tls-alpn-01";
export const CHALLENGE_TYPES: readonly ChallengeType[] = ["http-01", "tls-alpn-01"];

export interface AccountRecord {
  id: string;
  status: "valid" | "deactivated" | "revoked";
  jwk: PublicJwk;
  /** RFC 7638 SHA-256 thumbprint of jwk: the key's identity (lookup by key, key authorisations) */
  thumbprint: string;
  contact: string[];
  createdAt: string;
}

export interface ChallengeRecord {
  type: ChallengeType;
  token: string;
  status: "pending" | "processing" | "valid" | "invalid";
  validated?: string;
  error?: ProblemDocument;
}

export interface AuthzRecord {
  id: string;
  accountId: string;
  identifier: Identifier;
  status: "pending" | "valid" | "invalid" | "deactivated" | "expired" | "revoked";
  expires: string;
  challenges: ChallengeRecord[];
}

export interface OrderRecord {
  id: string;
  accountId: string;
  status: "pending" | "ready" | "processing" | "valid" | "invalid";
  expires: string;
  identifiers: Identifier[];
  authzIds: string[];
  notBefore?: string;
  notAfter?: string;
  certId?: string;
  error?: ProblemDocument;
  createdAt: string;
}

export interface CertRecord {
  id: string;
  accountId: string;
  orderId: string;
  /** lower-case hex, as regcert's index writes it */
  serial: string;
  /** the leaf then the CA: what application/pem-certificate-chain returns */
  chainPem: string;
  notAfter: string;
  revoked?: { at: string; reason: number };
}
