/** Small parsers shared by command definitions: repeatable flags and strict numbers. */
import { userError } from "../pki/errors.js";

/** commander collector for repeatable flags (--dns a --dns b). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A whole number from a flag, or a user error naming the flag. */
export function parseWholeNumber(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value.trim())) throw userError("regcert.invalidNumber", `${flag} "${value}" is not a whole number`, `e.g. ${flag} ${fallback}`);
  return Number(value.trim());
}

/** File-name stem for --name: letters, digits, dot, dash, underscore; no paths. */
export function parseBaseName(value: string | undefined, fallback: string): string {
  const name = value ?? fallback;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw userError("regcert.invalidFileName", `--name "${name}" is not a plain file name`, "use letters, digits, '.', '-' and '_' only (no '/'), e.g. --name registry");
  }
  return name;
}

/** --port of issue and sign (the port clients publish, for the next-steps lines): 1 to 65535, default 5000. */
export function parsePort(value: string | undefined): number {
  const port = parseWholeNumber(value, "--port", 5000);
  if (port < 1 || port > 65535) throw userError("regcert.invalidPort", `--port ${port} is not a valid port: use 1 to 65535`, "e.g. --port 5000");
  return port;
}
