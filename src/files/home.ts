/**
 * The CA home: where ca.key (0600) and ca.crt live, in a 0700 directory.
 * Resolution: --home, then REGCERT_HOME, then $XDG_DATA_HOME/regcert, then ~/.local/share/regcert.
 * Under sudo the invoking user's home is used (SUDO_USER), so `sudo regcert …` never starts a second
 * CA in /root.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { opt, phrase, RegcertError, userError } from "../pki/errors.js";
import { parsePemBlocks } from "../pki/pem.js";
import { ensureDirectory, trackForCleanup, untrackForCleanup } from "./write.js";

export interface HomeOptions {
  home?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

function sudoUserHome(env: NodeJS.ProcessEnv): string | undefined {
  const user = env.SUDO_USER;
  if (!user || user === "root" || process.getuid?.() !== 0) return undefined;
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const fields = line.split(":");
      if (fields[0] === user && fields[5]) return fields[5];
    }
  } catch {
    /* no passwd file: fall through */
  }
  return undefined;
}

export function resolveHome(options: HomeOptions = {}): string {
  const env = options.env ?? process.env;
  if (options.home) return resolve(options.home);
  if (env.REGCERT_HOME) return resolve(env.REGCERT_HOME);
  const sudoHome = sudoUserHome(env);
  if (sudoHome) return join(sudoHome, ".local", "share", "regcert");
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, "regcert");
  return join(homedir(), ".local", "share", "regcert");
}

export interface CaPaths {
  home: string;
  certificate: string;
  key: string;
}

export const caPaths = (home: string): CaPaths => ({ home, certificate: join(home, "ca.crt"), key: join(home, "ca.key") });

export interface StoredCa {
  paths: CaPaths;
  certificatePem: string;
  /** "" when the key is in a PKCS#11 token (then `token` says where) */
  keyPem: string;
  /** the CA key is in a PKCS#11 token: HOME/ca.pkcs11 holds its RFC 7512 URI and module, never the PIN */
  token?: TokenReference;
}

/** Where a token-held CA key is: written by init-ca --pkcs11 as HOME/ca.pkcs11 (JSON). */
export interface TokenReference {
  uri: string;
  module: string;
}

export const tokenReferencePath = (home: string): string => join(home, "ca.pkcs11");

function readTokenReference(path: string): TokenReference {
  let parsed: unknown;
  try {
    if (statSync(path).size > 64 * 1024) throw new Error("too large");
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw userError("regcert.badTokenReference", `${path} is not a readable PKCS#11 key reference`, "restore it, or adopt the token key again: regcert init-ca --pkcs11 URI --import-cert ca.crt --force");
  }
  const ref = parsed as Partial<TokenReference>;
  if (typeof ref?.uri !== "string" || typeof ref.module !== "string" || !ref.uri.startsWith("pkcs11:")) {
    throw userError("regcert.badTokenReference", `${path} is not a PKCS#11 key reference`, "restore it, or adopt the token key again: regcert init-ca --pkcs11 URI --import-cert ca.crt --force");
  }
  return { uri: ref.uri, module: ref.module };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Reads the CA certificate of a home; undefined when there is none. Never creates anything. */
export function readCaCertificate(home: string): string | undefined {
  const paths = caPaths(home);
  if (!exists(paths.certificate)) return undefined;
  return readFileSync(paths.certificate, "utf8");
}

/** ca.crt and ca.key are a few KiB; anything this large is not ours (and is not read into memory). */
const MAX_CA_FILE_BYTES = 1024 * 1024;

/**
 * Reads the stored CA, or returns undefined when the home has none. Half a CA (a key without its
 * certificate or the reverse) is refused, never repaired.
 */
export function readStoredCa(home: string): StoredCa | undefined {
  const paths = caPaths(home);
  const hasCert = exists(paths.certificate);
  const hasKey = exists(paths.key);
  const tokenPath = tokenReferencePath(home);
  if (!hasKey && exists(tokenPath)) {
    if (!hasCert) throw userError("regcert.caCertMissing", `${tokenPath} exists but ${paths.certificate} is missing`, "restore ca.crt, or adopt the token key again with regcert init-ca --pkcs11 URI --import-cert CA.crt");
    return { paths, certificatePem: readFileSync(paths.certificate, "utf8"), keyPem: "", token: readTokenReference(tokenPath) };
  }
  if (!hasCert && !hasKey) return undefined;
  if (!hasKey) throw userError("regcert.caKeyMissing", `${paths.certificate} exists but ${paths.key} is missing`, "restore ca.key from your backup, or create a new CA with regcert init-ca --force");
  if (!hasCert) throw userError("regcert.caCertMissing", `${paths.key} exists but ${paths.certificate} is missing`, "restore ca.crt, or create a new CA with regcert init-ca --force");
  for (const path of [paths.certificate, paths.key]) {
    const stat = statSync(path);
    if (!stat.isFile()) throw userError("regcert.notFile", `${path} is not a regular file`, "restore the CA files from a backup");
    if (stat.size > MAX_CA_FILE_BYTES) throw userError("regcert.inputTooLarge", `${path} is ${stat.size} bytes; that is not a CA certificate or key`, "restore the CA files from a backup");
  }
  try {
    return { paths, certificatePem: readFileSync(paths.certificate, "utf8"), keyPem: readFileSync(paths.key, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES") throw userError("regcert.permissionDenied", `cannot read the CA in ${home}: permission denied`, phrase`run as the user who owns the CA, or pass ${opt("home")}`);
    throw new RegcertError("regcert.readFailed", `failed to read the CA in ${home}: ${(error as Error).message}`, { cause: error });
  }
}

/** Creates the home directory (0700) if needed. */
export function ensureHome(home: string): void {
  ensureDirectory(home, 0o700);
}

/**
 * Runs `fn` holding the home's lock, so two first-use `issue` runs cannot both create a CA. The lock
 * is a directory (mkdir is atomic); a lock older than `staleMs` is taken over (a crashed run).
 */
export async function withHomeLock<T>(home: string, fn: () => Promise<T> | T, options: { timeoutMs?: number; staleMs?: number } = {}): Promise<T> {
  ensureHome(home);
  const lock = join(home, ".lock");
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const staleMs = options.staleMs ?? 120_000;
  for (;;) {
    try {
      mkdirSync(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw userError("regcert.lockFailed", `cannot lock ${home}: ${(error as Error).message}`, phrase`check that the directory is writable by this user, or pass another ${opt("home")}`);
      try {
        if (Date.now() - statSync(lock).mtimeMs > staleMs || ownerIsGone(lock)) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* raced with its owner */
      }
      if (Date.now() > deadline) throw userError("regcert.locked", `another regcert run holds the lock on ${home}`, `wait for it, or remove ${lock} if no regcert is running`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  // Ctrl-C while the lock is held (say, during RSA-4096 generation) must not leave it behind
  trackForCleanup(lock, "dir");
  try {
    const fd = openSync(join(lock, "owner"), "w", 0o600);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
  } catch {
    /* informational only */
  }
  try {
    return await fn();
  } finally {
    releaseLock(lock);
    untrackForCleanup(lock);
  }
}

/**
 * Removes a lock this run holds: its owner file, then the directory. Two plain calls, not rmSync's
 * recursive remove (loading node's rimraf implementation cost ~3 ms of every first-use issue); only
 * when something else is in there (never written by regcert) does the recursive remove run.
 */
function releaseLock(lock: string): void {
  try {
    unlinkSync(join(lock, "owner"));
  } catch {
    /* not written (informational only), or already gone */
  }
  try {
    rmdirSync(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") rmSync(lock, { recursive: true, force: true });
  }
}

/** True when the lock's owner file names a process of this machine that no longer exists (a killed run). */
function ownerIsGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, "owner"), "utf8").trim());
  } catch {
    return false; // no owner file yet: its owner is between mkdir and writing it
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * The PEM of every CA certificate clients of this home should trust: today the home's ca.crt; during a
 * CA rollover (see `regcert ca rotate`) also the previous CA, so clients trust both until it retires.
 * install-trust and k8s node-trust read trust through this one function.
 */
export function readTrustBundle(home: string): string | undefined {
  const current = readCaCertificate(home);
  if (current === undefined) return undefined;
  const previousPath = previousCaPath(home);
  if (!exists(previousPath)) return current;
  // new CA first; a previous CA equal to the current one (an interrupted rotate) is not repeated
  const previous = readFileSync(previousPath, "utf8");
  const der = (pem: string) => parsePemBlocks(pem).map((b) => Buffer.from(b.der).toString("base64")).join();
  if (der(previous) === der(current)) return current;
  return `${current.trimEnd()}\n${previous.trimEnd()}\n`;
}

/** The CA being replaced during a rollover (`regcert ca rotate` … `regcert ca retire-old`); see files/rollover.ts. */
export const previousCaPath = (home: string): string => join(home, "previous-ca.crt");
