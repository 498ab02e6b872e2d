/**
 * ACME problem documents (RFC 8555 §6.7, RFC 7807): every refusal the server makes is one of these,
 * with the RFC's error type, an HTTP status and a one-line detail. Thrown inside the protocol code and
 * turned into an `application/problem+json` response in one place (server.ts).
 */

/** The error types of RFC 8555 §6.7 that this server uses. */
export type AcmeErrorType =
  | "accountDoesNotExist"
  | "alreadyRevoked"
  | "badCSR"
  | "badNonce"
  | "badPublicKey"
  | "badRevocationReason"
  | "badSignatureAlgorithm"
  | "connection"
  | "incorrectResponse"
  | "malformed"
  | "orderNotReady"
  | "rateLimited"
  | "rejectedIdentifier"
  | "serverInternal"
  | "tls"
  | "unauthorized"
  | "unsupportedIdentifier"
  | "conflict";

export const ACME_ERROR_PREFIX = "urn:ietf:params:acme:error:";

export interface ProblemDocument {
  type: string;
  detail: string;
  status: number;
  /** RFC 8555 §6.7.1: one per identifier that failed */
  subproblems?: Array<{ type: string; detail: string; identifier?: { type: string; value: string } }>;
  /** badSignatureAlgorithm: the algorithms the server accepts (RFC 8555 §6.2) */
  algorithms?: string[];
}

const DEFAULT_STATUS: Partial<Record<AcmeErrorType, number>> = {
  accountDoesNotExist: 400,
  badNonce: 400,
  unauthorized: 403,
  rateLimited: 429,
  serverInternal: 500,
  orderNotReady: 403,
  conflict: 409,
};

export class AcmeProblem extends Error {
  readonly type: AcmeErrorType;
  readonly status: number;
  readonly extra: Pick<ProblemDocument, "subproblems" | "algorithms">;
  /** headers to add to the problem response (Location of a conflicting account, Retry-After) */
  readonly headers: Record<string, string>;

  constructor(type: AcmeErrorType, detail: string, options: { status?: number; extra?: AcmeProblem["extra"]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = "AcmeProblem";
    this.type = type;
    this.status = options.status ?? DEFAULT_STATUS[type] ?? 400;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  toDocument(): ProblemDocument {
    return { type: ACME_ERROR_PREFIX + this.type, detail: this.message, status: this.status, ...this.extra };
  }
}

export const problem = (type: AcmeErrorType, detail: string, options?: ConstructorParameters<typeof AcmeProblem>[2]): AcmeProblem => new AcmeProblem(type, detail, options);
