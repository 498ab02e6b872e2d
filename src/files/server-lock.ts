/**
 * A long-running server's lock on a CA home (`regcert acme serve`): a directory made with mkdir (atomic)
 * holding the owner's pid. A second server is refused while the owner lives; a dead owner's lock
 * (kill -9, power cut) is taken over. Unlike withHomeLock (held for one command's write), it is held
 * for the server's whole life, and released by the returned function.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { opt, phrase, RegcertError, userError } from "../pki/errors.js";
import { ensureDirectory, trackForCleanup, untrackForCleanup } from "./write.js";

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the server lock of a home; refuses while another live process holds it, takes over a dead one's. */
export function lockServerDir(dir: string, home: string): () => void {
  ensureDirectory(dir, 0o700);
  const lock = join(dir, "server.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(lock, { mode: 0o700 });
      writeFileSync(join(lock, "owner"), `${process.pid}\n`, { mode: 0o600 });
      // Ctrl-C / SIGTERM (cli/main.ts exits at once) must not leave the lock behind
      trackForCleanup(lock, "dir");
      return () => {
        rmSync(lock, { recursive: true, force: true });
        untrackForCleanup(lock);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new RegcertError("regcert.lockFailed", `cannot lock ${lock}: ${(error as Error).message}`);
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(join(lock, "owner"), "utf8").trim());
      } catch {
        /* being written right now, or left empty by a crash: judged by age below */
      }
      const young = Date.now() - statSync(lock).mtimeMs < 10_000;
      if ((Number.isInteger(owner) && owner > 0 && pidAlive(owner)) || (!Number.isInteger(owner) && young)) {
        throw userError(
          "regcert.acmeLocked",
          `another regcert acme serve${Number.isInteger(owner) ? ` (pid ${owner})` : ""} is running on ${home}`,
          phrase`stop it first (kill ${Number.isInteger(owner) ? owner : "PID"}), or use another ${opt("home")}; if none runs, remove ${lock}`,
        );
      }
      rmSync(lock, { recursive: true, force: true });
    }
  }
  throw userError("regcert.acmeLocked", `cannot take the lock ${lock}`, `remove ${lock} if no regcert acme serve is running`);
}


/** The pid of the live server holding the lock in `dir`, or undefined (no lock, or its owner is dead). */
export function serverLockOwner(dir: string): number | undefined {
  let owner = Number.NaN;
  try {
    owner = Number(readFileSync(join(dir, "server.lock", "owner"), "utf8").trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(owner) && owner > 0 && pidAlive(owner) ? owner : undefined;
}
