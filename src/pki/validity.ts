/** Validity windows: whole seconds, back-dated a little so a client whose clock lags still accepts a fresh certificate. */
import { userError } from "./errors.js";

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
    throw userError("regcert.invalidDays", `--days ${days} is not valid for ${what}: give a whole number of days from 1 to 36500`, "e.g. --days 397");
  }
  return days;
}

/** notBefore = now − 5 min; notAfter = notBefore + days, so the window is exactly `days` long. */
export function validityWindow(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - BACKDATE_SECONDS * 1000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * DAY_MS) };
}
