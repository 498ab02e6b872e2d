/**
 * htpasswd files the registry accepts: bcrypt entries only. distribution (2.8 and 3.x) ignores every
 * other hash type ("The only supported password format is bcrypt"), and the registry:2 image stopped
 * shipping the htpasswd binary in 2.7.1 (distribution-library-image#106). Pure: text in, text out;
 * the CLI reads and writes the file through src/files.
 */
import bcrypt from "bcryptjs";
import { opt, phrase, userError } from "../pki/errors.js";

/** bcrypt's cost bounds as regcert accepts them: Go's MinCost is 4; above 17 a hash takes tens of seconds in JS. */
export const MIN_BCRYPT_COST = 4;
export const MAX_BCRYPT_COST = 17;
export const DEFAULT_BCRYPT_COST = 10;
/** bcrypt reads at most 72 bytes of the password; newer Go x/crypto refuses longer ones outright. */
export const MAX_PASSWORD_BYTES = 72;

export interface HashOptions {
  /** bcrypt cost (log2 rounds); default 10, like `htpasswd -B` */
  cost?: number;
  /** a fixed 22-character bcrypt salt, for known-answer tests; default random */
  salt?: string;
}

/** Refuses user names htpasswd cannot hold: empty, ':' (the field separator), line breaks, or control characters. */
export function validateHtpasswdUser(user: string): string {
  if (user === "") throw userError("regcert.invalidUser", "the user name is empty", "e.g. regcert htpasswd alice");
  if (user !== user.trim()) throw userError("regcert.invalidUser", `user name ${JSON.stringify(user)} starts or ends with white space`, "docker login would send it trimmed; choose a name without surrounding spaces");
  // distribution's parser (registry/auth/htpasswd/htpasswd.go, parseHTPasswd) trims each line and skips
  // it when it then starts with '#': such a user could never log in
  if (user.startsWith("#")) throw userError("regcert.invalidUser", `user name ${JSON.stringify(user)} starts with '#': the registry reads that line as a comment, so this user could never log in`, "choose a name that does not start with '#'");
  if (user.includes(":")) throw userError("regcert.invalidUser", `user name "${user}" contains ':', the htpasswd field separator`, "choose a name without ':'");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(user)) throw userError("regcert.invalidUser", `user name ${JSON.stringify(user)} contains a line break or control character`, "choose a name of printable characters");
  if (user !== user.trim()) throw userError("regcert.invalidUser", `user name ${JSON.stringify(user)} starts or ends with white space`, "docker login would send it trimmed; choose a name without surrounding spaces");
  return user;
}

/** Refuses passwords bcrypt would silently truncate, and empty ones. */
export function validatePassword(password: string): string {
  if (password === "") throw userError("regcert.emptySecret", "the password is empty", "give a non-empty password");
  const bytes = Buffer.byteLength(password, "utf8");
  if (bytes > MAX_PASSWORD_BYTES) {
    throw userError("regcert.passwordTooLong", `the password is ${bytes} bytes; bcrypt uses only the first ${MAX_PASSWORD_BYTES}`, `use at most ${MAX_PASSWORD_BYTES} bytes (newer Go registries refuse longer passwords)`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\r\n]/.test(password)) throw userError("regcert.invalidPassword", "the password contains a line break", "give the password on one line");
  return password;
}

export function validateCost(cost: number): number {
  if (!Number.isInteger(cost) || cost < MIN_BCRYPT_COST || cost > MAX_BCRYPT_COST) {
    throw userError("regcert.invalidCost", phrase`${opt("cost", cost)} is out of range: bcrypt cost must be ${MIN_BCRYPT_COST} to ${MAX_BCRYPT_COST}`, phrase`use ${opt("cost", DEFAULT_BCRYPT_COST)} (the htpasswd -B default)`);
  }
  return cost;
}

/**
 * A `$2y$` bcrypt hash of `password`. bcryptjs writes `$2b$`; `$2y$` is the same algorithm under the
 * prefix Apache's htpasswd writes, and Go's bcrypt accepts `$2a$`, `$2b$` and `$2y$`.
 */
export function hashPassword(password: string, options: HashOptions = {}): string {
  validatePassword(password);
  const cost = validateCost(options.cost ?? DEFAULT_BCRYPT_COST);
  const salt = options.salt === undefined ? bcrypt.genSaltSync(cost) : `$2b$${String(cost).padStart(2, "0")}$${options.salt}`;
  return bcrypt.hashSync(password, salt).replace(/^\$2b\$/, "$2y$");
}

/** True when `hash` is a bcrypt hash the registry can use. */
export const isBcryptHash = (hash: string): boolean => /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash);

export interface HtpasswdEntry {
  user: string;
  hash: string;
}

/** The entries of an htpasswd file (blank lines and '#' comments skipped). */
export function parseHtpasswd(text: string): HtpasswdEntry[] {
  const entries: HtpasswdEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    entries.push({ user: line.slice(0, colon), hash: line.slice(colon + 1) });
  }
  return entries;
}

export interface HtpasswdChange {
  /** the new file contents */
  text: string;
  action: "added" | "replaced" | "deleted" | "absent";
}

const lineUser = (line: string): string | undefined => {
  const colon = line.indexOf(":");
  return colon < 0 || line.startsWith("#") ? undefined : line.slice(0, colon);
};

function splitLines(text: string): string[] {
  if (text === "") return [];
  // split on \n only: a CRLF line keeps its \r, so lines we do not touch stay byte for byte
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Adds `user` or replaces its line in place; every other line (comments, other users) is kept byte for byte. */
export function setHtpasswdEntry(text: string, user: string, hash: string): HtpasswdChange {
  validateHtpasswdUser(user);
  if (!isBcryptHash(hash)) throw userError("regcert.invalidHash", "only bcrypt hashes work with the registry", "hash the password with regcert htpasswd (bcrypt)");
  const lines = splitLines(text);
  let replaced = false;
  const out: string[] = [];
  for (const line of lines) {
    if (lineUser(line) === user) {
      // a duplicate later line would be a second, stale password: drop it
      if (!replaced) out.push(`${user}:${hash}`);
      replaced = true;
    } else out.push(line);
  }
  if (!replaced) out.push(`${user}:${hash}`);
  return { text: `${out.join("\n")}\n`, action: replaced ? "replaced" : "added" };
}

/** Removes every line of `user`; other lines are kept byte for byte. */
export function deleteHtpasswdEntry(text: string, user: string): HtpasswdChange {
  validateHtpasswdUser(user);
  const lines = splitLines(text);
  const out = lines.filter((line) => lineUser(line) !== user);
  if (out.length === lines.length) return { text, action: "absent" };
  return { text: out.length === 0 ? "" : `${out.join("\n")}\n`, action: "deleted" };
}

/** Checks `password` against the user's entry; false for unknown users and non-bcrypt entries (as the registry does). */
export function verifyHtpasswdPassword(text: string, user: string, password: string): boolean {
  const entry = parseHtpasswd(text).find((e) => e.user === user);
  if (!entry || !isBcryptHash(entry.hash)) return false;
  return bcrypt.compareSync(password, entry.hash.replace(/^\$2y\$/, "$2b$"));
}

/** The entries that are not bcrypt: the registry ignores them, so those users can never log in. */
export function nonBcryptUsers(text: string): string[] {
  return parseHtpasswd(text)
    .filter((e) => !isBcryptHash(e.hash))
    .map((e) => e.user);
}
