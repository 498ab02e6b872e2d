/**
 * The time lifecycle commands (status, renew, ca rotate) work at. REGCERT_NOW (an ISO 8601 time) is
 * for tests only: it lets a test look at certificates "a year later" without waiting. It is not a
 * feature: real runs must never set it.
 */
import { userError } from "../pki/errors.js";

export function lifecycleNow(env: NodeJS.ProcessEnv): Date {
  const value = env.REGCERT_NOW;
  if (value === undefined || value === "") return new Date();
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw userError("regcert.invalidNow", `REGCERT_NOW "${value}" is not an ISO 8601 time`, "unset it: REGCERT_NOW is for tests only");
  return new Date(time);
}
