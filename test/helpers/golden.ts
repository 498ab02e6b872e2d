/**
 * Golden files: compare `actual` with test/golden/<name>. They are written only when UPDATE_GOLDEN=1
 * (an explicit step, reviewed in the diff). A missing golden file fails the test, under CI=true as
 * anywhere else: a run that wrote its own expectation could not fail.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { REPO } from "./cli.js";

export function goldenPath(name: string): string {
  return join(REPO, "test", "golden", name);
}

/** Whether this run may write golden files (UPDATE_GOLDEN=1). */
export const updatingGoldens = (): boolean => process.env.UPDATE_GOLDEN === "1";

/** Returns the golden contents to compare against (after writing them when UPDATE_GOLDEN=1); throws when the file is missing. */
export function readGoldenFile(path: string, actual: string): string {
  if (updatingGoldens()) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  } else if (!existsSync(path)) {
    const ci = process.env.CI === "true" || process.env.CI === "1" ? " (CI)" : "";
    throw new Error(`golden file ${relative(REPO, path)} is missing${ci}: create it with UPDATE_GOLDEN=1 on a development machine, review it, and commit it`);
  }
  return readFileSync(path, "utf8");
}

/** readGoldenFile for test/golden/<name>. */
export function readGolden(name: string, actual: string): string {
  return readGoldenFile(goldenPath(name), actual);
}
