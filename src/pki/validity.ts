/** Validity windows: whole seconds, back-dated a little so a client whose clock lags still accepts a fresh certificate. */
import { opt, phrase, userError } from "./errors.js";

/** Five minutes of clock skew between the CA's machine and clients (Go checks notBefore strictly). */
export const BACKDATE_SECONDS = 300;
const DAY_MS = 86_400_000;

export interface Clock {
  /** the time to issue at; default: the current time */
  now?: Date | (() => Date);
}

export function resolveNow(clock: Clock | undefined): Date {
  const now = clock?.now;
  const date = typeof now === "function" ? now() : now ?? new Date();
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export function validateDays(days: number, what: string): number {
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw userError("regcert.invalidDays", phrase`${opt("days", days)} is not valid for ${what}: give a whole number of days from 1 to 36500`, phrase`e.g. ${opt("days", 397)}`);
  }
  return days;
}

/**
 * Apple platforms reject TLS server certificates valid for more than 825 days, even under a private
 * root (support.apple.com/103769); 397 is the public-CA limit and our default.
 */
export const MAX_LEAF_DAYS_WITHOUT_FORCE = 825;

export interface LeafDaysOptions {
  /** permit more than 825 days (the CLI's --force) */
  allowLongValidity?: boolean;
  /** whether the hint may offer --force (renew has no such override); default true */
  forceAvailable?: boolean;
}

/**
 * THE validity rule for leaf certificates, used by issue, sign, renew and the library alike: a whole
 * number of days from 1 to 36500, and above 825 only when explicitly allowed.
 */
export function validateLeafDays(days: number, options: LeafDaysOptions = {}): number {
  validateDays(days, "a certificate");
  if (days > MAX_LEAF_DAYS_WITHOUT_FORCE && options.allowLongValidity !== true) {
    throw userError(
      "regcert.validityTooLong",
      phrase`${opt("days", days)} is above ${MAX_LEAF_DAYS_WITHOUT_FORCE}: Apple platforms reject TLS certificates valid for longer, even under a private CA`,
      options.forceAvailable === false
        ? phrase`use ${opt("days", 397)} (renewal is one command)`
        : phrase`use ${opt("days", 397)} (renewal is one command), or add ${opt("allowLongValidity", true)} to issue it anyway`,
    );
  }
  return days;
}

/**
 * notBefore = now − 5 min; notAfter = notBefore + days, so the window is exactly `days` long. Whole
 * seconds (what UTCTime/GeneralizedTime encode), so the dates a caller gets back are the certificate's.
 */
export function validityWindow(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - BACKDATE_SECONDS * 1000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * DAY_MS) };
}
