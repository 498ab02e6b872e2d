/**
 * Golden files: compare `actual` with test/golden/<name>; write it when UPDATE_GOLDEN=1 (an explicit
 * step, reviewed in the diff) or when the file does not exist yet.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO } from "./cli.js";

export function goldenPath(name: string): string {
  return join(REPO, "test", "golden", name);
}

/** Returns the golden contents to compare against (after writing it if asked to). */
export function readGolden(name: string, actual: string): string {
  const path = goldenPath(name);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  return readFileSync(path, "utf8");
}
