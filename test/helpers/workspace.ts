/**
 * Temp directories for tests, in one place: made under the OS temp dir with a recognisable prefix,
 * removed after the suite or the test. (tempWorkspace, with a CA home inside, is the CLI tests' form.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export { tempWorkspace } from "./cli.js";

/** A new temp dir (the caller removes it, e.g. with removeTempDir in afterEach). */
export function makeTempDir(prefix = "regcert-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A temp dir for the whole suite: made now, removed in afterAll. */
export function suiteTempDir(prefix = "regcert-test-"): string {
  const dir = makeTempDir(prefix);
  afterAll(() => removeTempDir(dir));
  return dir;
}
