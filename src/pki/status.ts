/**
 * How urgent a certificate is: days left and a state, from its validity window and an injected `now`
 * (pure, so ages can be tested without waiting a year). The CLI maps the worst state to the exit
 * codes of DESIGN.md: 0 all fine, 3 something due for renewal, 4 something expired or missing.
 */
import { resolveNow, type Clock } from "./validity.js";

const DAY_MS = 86_400_000;

/** Default warning window of `regcert status` and `renew --all --within`: 30 days. */
export const DEFAULT_WARN_DAYS = 30;

/**
 * - ok: valid and more than the warning window left
 * - due: valid, but expires within the warning window (or must move to a new CA during a rollover)
 * - expired: notAfter has passed
 * - not-yet-valid: notBefore is in the future (a clock problem; clients refuse it)
 * - missing: the files the index recorded are gone
 * - changed: the files hold another certificate, or a key that does not belong to it
 * - orphaned: signed by a CA that clients no longer trust (replaced by init-ca --force, or retired)
 */
export type CertificateState = "ok" | "due" | "expired" | "not-yet-valid" | "missing" | "changed" | "orphaned" | "revoked";

export const STATUS_EXIT = { ok: 0, due: 3, problem: 4 } as const;

export interface ExpiryInput {
  notBefore: Date;
  notAfter: Date;
}

export interface ExpiryOptions extends Clock {
  /** the warning window in days; default 30 */
  warnDays?: number;
}

export interface Expiry {
  state: "ok" | "due" | "expired" | "not-yet-valid";
  /** whole days until notAfter, rounded down; negative once expired (−1 = expired less than a day ago) */
  daysLeft: number;
}

/** Days left and the expiry state at `now`. "due" means notAfter − now ≤ warnDays days. */
export function classifyExpiry(validity: ExpiryInput, options: ExpiryOptions = {}): Expiry {
  const now = resolveNow(options).getTime();
  const warnDays = options.warnDays ?? DEFAULT_WARN_DAYS;
  const left = validity.notAfter.getTime() - now;
  const daysLeft = Math.floor(left / DAY_MS);
  if (left <= 0) return { state: "expired", daysLeft };
  if (validity.notBefore.getTime() > now) return { state: "not-yet-valid", daysLeft };
  if (left <= warnDays * DAY_MS) return { state: "due", daysLeft };
  return { state: "ok", daysLeft };
}

/** The exit code of `regcert status` for a set of states: the worst one wins. */
export function statusExitCode(states: Iterable<CertificateState>): number {
  let code: number = STATUS_EXIT.ok;
  for (const state of states) {
    if (state === "ok" || state === "revoked") continue; // revoked on purpose: nothing to watch or renew
    if (state === "due") code = Math.max(code, STATUS_EXIT.due);
    else code = STATUS_EXIT.problem;
  }
  return code;
}

/** Whether `renew --all --within DAYS` should renew a certificate in this state. */
export function needsRenewal(state: CertificateState): boolean {
  // orphaned: re-issuing under the current CA is exactly the fix; missing/changed files need a human
  return state === "due" || state === "expired" || state === "not-yet-valid" || state === "orphaned";
}

/** The validity length of a certificate in whole days (what renew keeps unless --days is given). */
export function validityDays(validity: ExpiryInput): number {
  return Math.max(1, Math.round((validity.notAfter.getTime() - validity.notBefore.getTime()) / DAY_MS));
}

/** What the file layer found at one recorded path. */
export interface FileCheck {
  /** "certificate", "pem", "key", "csr", "ca" */
  role: string;
  path: string;
  state: "ok" | "missing" | "changed" | "unreadable";
  /** a missing or changed required file (certificate, key) makes the certificate "missing"/"changed" */
  required: boolean;
}

/** Whom the certificate's issuer is to clients now. */
export type IssuerTrust = "current" | "previous" | "untrusted";

export interface AssessInput extends ExpiryInput {
  issuer: IssuerTrust;
  files: FileCheck[];
}

export interface Assessment {
  state: CertificateState;
  daysLeft: number;
  /** every reason that applies, most serious first, in words for people */
  reasons: string[];
}

/** The state of one indexed certificate: its files first, then its validity, then its CA. */
export function assessCertificate(input: AssessInput, options: ExpiryOptions = {}): Assessment {
  const expiry = classifyExpiry(input, options);
  const reasons: string[] = [];
  const states: CertificateState[] = [];
  for (const file of input.files) {
    if (file.state === "ok") continue;
    const what = file.state === "changed" ? "holds something else" : file.state === "missing" ? "is missing" : "cannot be read";
    reasons.push(`${file.role} ${file.path} ${what}`);
    if (file.required && file.state === "missing") states.push("missing");
    if (file.required && file.state === "changed") states.push("changed");
  }
  if (expiry.state === "expired") reasons.push(`expired ${-expiry.daysLeft} day(s) ago`);
  if (expiry.state === "not-yet-valid") reasons.push("not valid yet: check this machine's clock");
  if (expiry.state === "due") reasons.push(`expires in ${expiry.daysLeft} day(s)`);
  if (input.issuer === "untrusted") reasons.push("signed by a CA this home no longer has (replaced or retired): clients will refuse it");
  if (input.issuer === "previous") reasons.push("signed by the previous CA: renew it before regcert ca retire-old");
  states.push(expiry.state);
  if (input.issuer === "untrusted") states.push("orphaned");
  if (input.issuer === "previous") states.push("due");
  const order: CertificateState[] = ["missing", "changed", "expired", "orphaned", "not-yet-valid", "due", "ok"];
  const state = order.find((s) => states.includes(s)) ?? "ok";
  return { state, daysLeft: expiry.daysLeft, reasons };
}
