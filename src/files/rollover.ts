/**
 * CA rollover in the home. The layout keeps every other command unchanged:
 *
 *   HOME/ca.crt, ca.key                    the current CA: what issue, sign and renew use (after
 *                                          `ca rotate`, the new one)
 *   HOME/previous-ca.crt, previous-ca.key  the CA being replaced, during the overlap only: still
 *                                          trusted by clients (readTrustBundle returns both), never
 *                                          used to sign
 *   HOME/retired/ca-FINGERPRINT16.crt      CAs that `ca retire-old` ended: kept for the record and
 *                                          for verifying old files; no longer trusted; key deleted
 *
 * Rotation replaces ca.key and ca.crt as one set (replaceFileSet), so a failure can never pair a new
 * key with the old certificate. A crash after previous-ca.* is written but before ca.* is replaced
 * leaves previous == current: `ca rotate` notices and simply continues.
 */
import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { parseCaCertificate, type CaCertificateInfo } from "../pki/issuer.js";
import { opt, phrase, RegcertError, userError } from "../pki/errors.js";
import { caFilePlan } from "./ca-store.js";
import { caPaths, ensureHome, previousCaPath, readStoredCa } from "./home.js";
import { replaceFileSet } from "./replace-set.js";
import { ensureDirectory, writeFilesAtomic } from "./write.js";

export interface RolloverPaths {
  previousCertificate: string;
  previousKey: string;
  retiredDir: string;
}

export const rolloverPaths = (home: string): RolloverPaths => ({
  previousCertificate: previousCaPath(home),
  previousKey: join(home, "previous-ca.key"),
  retiredDir: join(home, "retired"),
});

/** The previous CA's certificate PEM during an overlap; undefined when no rollover is in progress. */
export function readPreviousCaCertificate(home: string): string | undefined {
  const path = rolloverPaths(home).previousCertificate;
  if (!existsSync(path)) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new RegcertError("regcert.readFailed", `failed to read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export interface RotateResult {
  previous: CaCertificateInfo;
  /** true when an interrupted rotation was completed */
  resumed: boolean;
}

/**
 * Keeps the current CA as the previous one and installs `next` as the current CA. Refuses while
 * another rollover is in progress (one overlap at a time). Call it holding the home's lock.
 */
export function rotateCa(home: string, next: { certificatePem: string; privateKeyPem: string }): RotateResult {
  const stored = readStoredCa(home);
  if (!stored) throw userError("regcert.noCa", `no CA in ${home} to rotate`, phrase`create one with \`regcert init-ca\`, or pass ${opt("home", "DIR")}`);
  const current = parseCaCertificate(stored.certificatePem, stored.paths.certificate);
  const paths = rolloverPaths(home);
  const previousPem = readPreviousCaCertificate(home);
  let resumed = false;
  if (previousPem !== undefined) {
    const previous = parseCaCertificate(previousPem, paths.previousCertificate);
    if (previous.fingerprint !== current.fingerprint) {
      throw userError(
        "regcert.rolloverInProgress",
        `a CA rollover is already in progress: "${previous.commonName}" is still trusted next to "${current.commonName}"`,
        "finish it first: renew what the old CA signed (regcert renew --all), then regcert ca retire-old",
      );
    }
    resumed = true; // an earlier rotate stopped after saving the previous CA
  }
  ensureHome(home);
  writeFilesAtomic(
    [
      { path: paths.previousKey, contents: stored.keyPem, mode: 0o600, label: "previous CA private key" },
      { path: paths.previousCertificate, contents: stored.certificatePem, mode: 0o644, label: "previous CA certificate" },
    ],
    { force: resumed, dirMode: 0o700 },
  );
  replaceFileSet(caFilePlan(home, next), { dirMode: 0o700 });
  return { previous: current, resumed };
}

export interface RetireResult {
  retired: CaCertificateInfo;
  /** where the retired certificate was archived */
  archived: string;
}

/** Ends the overlap: archives the previous CA certificate, deletes its key. Call it holding the home's lock. */
export function retirePreviousCa(home: string): RetireResult {
  const paths = rolloverPaths(home);
  const pem = readPreviousCaCertificate(home);
  if (pem === undefined) {
    throw userError("regcert.noRollover", `no CA rollover is in progress in ${home}: there is no old CA to retire`, "start one with regcert ca rotate");
  }
  const retired = parseCaCertificate(pem, paths.previousCertificate);
  ensureDirectory(paths.retiredDir, 0o700);
  const archived = join(paths.retiredDir, `ca-${retired.fingerprint.slice(0, 16)}.crt`);
  writeFilesAtomic([{ path: archived, contents: retired.pem, mode: 0o644, label: "retired CA certificate" }], { force: true, dirMode: 0o700 });
  // key first: if we stop between the two, the certificate left behind still marks the overlap and a re-run finishes it
  for (const path of [paths.previousKey, paths.previousCertificate]) {
    try {
      unlinkSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new RegcertError("regcert.writeFailed", `failed to remove ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  return { retired, archived };
}

/** The current CA certificate's path and the previous one's (when in an overlap), for messages. */
export function caFiles(home: string): { current: string; previous: string | undefined } {
  const previous = rolloverPaths(home).previousCertificate;
  return { current: caPaths(home).certificate, previous: existsSync(previous) ? previous : undefined };
}
