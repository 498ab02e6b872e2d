/**
 * Reading untrusted input files (--csr, inspect, verify, --ca): size-capped before reading, never a
 * directory or a device that could hang or exhaust memory, and `-` for standard input.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { userError } from "../pki/errors.js";

/** Certificates, CSRs and bundles are kilobytes; 1 MiB leaves room for large CA bundles. */
export const MAX_INPUT_BYTES = 1024 * 1024;

function readCapped(fd: number, what: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === "EOF") break;
      throw userError("regcert.unreadableFile", `cannot read ${what}: ${code ?? (error as Error).message}`);
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) throw userError("regcert.inputTooLarge", `${what} is larger than ${MAX_INPUT_BYTES / 1024} KiB; that is not a certificate, CSR or key`);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/** Reads a file given on the command line (or stdin for "-"). */
export async function readInputFile(path: string, flag: string): Promise<Buffer> {
  const what = path === "-" ? `standard input (${flag} -)` : `${path} (${flag})`;
  if (path === "-") return readCapped(0, what);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw userError("regcert.fileNotFound", `${path} does not exist (${flag})`);
    if (code === "EISDIR") throw userError("regcert.notFile", `${path} is a directory, not a file (${flag})`);
    if (code === "EACCES") throw userError("regcert.permissionDenied", `cannot read ${path}: permission denied (${flag})`);
    throw userError("regcert.unreadableFile", `cannot read ${path} (${flag}): ${code ?? (error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw userError("regcert.notFile", `${path} is a directory, not a file (${flag})`);
    if (!stat.isFile() && !stat.isFIFO()) throw userError("regcert.notFile", `${path} is not a regular file (${flag})`);
    if (stat.isFile() && stat.size > MAX_INPUT_BYTES) throw userError("regcert.inputTooLarge", `${path} is ${stat.size} bytes; that is not a certificate, CSR or key (${flag})`);
    return readCapped(fd, what);
  } finally {
    closeSync(fd);
  }
}
