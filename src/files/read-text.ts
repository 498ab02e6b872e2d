/**
 * Reading a large text file we wrote ourselves (index.json: 8 MB for 10,000 certificates; the stamp
 * cache): when every byte is ASCII, which JSON.stringify output is unless a name or path holds other
 * characters, latin1 decoding gives the same string as UTF-8 (one byte, one character) at the cost of
 * a copy; node's UTF-8 decoder takes several times longer (bench/RESULTS.md, "status, second pass").
 */
import { isAscii } from "node:buffer";
import { readFileSync } from "node:fs";

/** The file's contents as UTF-8 text, exactly as readFileSync(path, "utf8") gives them. */
export function readUtf8(path: string): string {
  const bytes = readFileSync(path);
  return isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
}
