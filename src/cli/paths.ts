/** Paths as users should see them: relative to the working directory when inside it. */
import { isAbsolute, relative } from "node:path";

export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}
