/**
 * Reading untrusted input files (--csr, inspect, verify, --ca, passphrase files): size-capped before
 * and while reading, never a directory or a device that could hang or exhaust memory (/dev/zero is
 * refused before one byte is read), and `-` for standard input. Files are opened non-blocking, so a
 * named pipe nobody writes to reads as empty instead of hanging in open().
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { dirname } from "node:path";
import { userError } from "../pki/errors.js";
import { shellQuote } from "../text/shell.js";

/** Certificates, CSRs and bundles are kilobytes; 1 MiB leaves room for large CA bundles. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** How long a pipe (stdin "-", a FIFO) may stay silent before regcert gives up instead of hanging. */
const PIPE_IDLE_MS = 30_000;

function readCapped(fd: number, what: string, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.alloc(64 * 1024);
  let idleSince = Date.now();
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        if (Date.now() - idleSince > PIPE_IDLE_MS) throw userError("regcert.inputTimeout", `nothing arrived on ${what} for ${PIPE_IDLE_MS / 1000} s`, "pipe the file in, or give its path");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === "EOF") break;
      if (code === "EISDIR") throw userError("regcert.notFile", `${what} is a directory, not a file`, "give the path of a file, not a directory");
      throw userError("regcert.unreadableFile", `cannot read ${what}: ${code ?? (error as Error).message}`, "check the path and its permissions (ls -l), then re-run");
    }
    if (n === 0) break;
    idleSince = Date.now();
    total += n;
    if (total > limit) throw userError("regcert.inputTooLarge", `${what} is larger than ${Math.round(limit / 1024)} KiB; that is not a certificate, CSR or key`, "give the PEM or DER file itself");
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/** Reads a file given on the command line (or stdin for "-"), synchronously. */
export function readInputFileSync(path: string, flag: string, limit = MAX_INPUT_BYTES): Buffer {
  const what = path === "-" ? `standard input (${flag} -)` : `${path} (${flag})`;
  if (path === "-") {
    const stat = fstatSync(0);
    if (stat.isDirectory()) throw userError("regcert.notFile", `${what} is a directory, not a file`, "give the path of a file, not a directory");
    if (stat.isCharacterDevice() && !process.stdin.isTTY) throw userError("regcert.notFile", `${what} is a device, not a file`, "give a file, or pipe the file into standard input");
    return readCapped(0, what, limit);
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw userError("regcert.fileNotFound", `${path} does not exist (${flag})`, `check the path given to ${flag} (ls -l ${shellQuote(dirname(path))} shows what is there)`);
    if (code === "EISDIR") throw userError("regcert.notFile", `${path} is a directory, not a file (${flag})`, `give ${flag} the path of a file in that directory`);
    if (code === "EACCES") throw userError("regcert.permissionDenied", `cannot read ${path}: permission denied (${flag})`, `make it readable for this user, or re-run as a user who can read it (sudo)`);
    if (code === "ENXIO") throw userError("regcert.notFile", `${path} is not a regular file (${flag})`, `give ${flag} a regular file`);
    throw userError("regcert.unreadableFile", `cannot read ${path} (${flag}): ${code ?? (error as Error).message}`, "check the path and its permissions (ls -l), then re-run");
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw userError("regcert.notFile", `${path} is a directory, not a file (${flag})`, `give ${flag} the path of a file in that directory`);
    if (!stat.isFile() && !stat.isFIFO()) throw userError("regcert.notFile", `${path} is not a regular file (${flag})`, `give ${flag} a regular file`);
    if (stat.isFile() && stat.size > limit) throw userError("regcert.inputTooLarge", `${path} is ${stat.size} bytes; that is not a certificate, CSR or key (${flag})`, `give ${flag} the PEM or DER file itself`);
    return readCapped(fd, what, limit);
  } finally {
    closeSync(fd);
  }
}

/** Reads a file given on the command line (or stdin for "-"). */
export async function readInputFile(path: string, flag: string, limit = MAX_INPUT_BYTES): Promise<Buffer> {
  return readInputFileSync(path, flag, limit);
}

/** Like `docker login --password-stdin`: the password is stdin with its trailing line break removed. */
export function passwordFromStdin(data: Buffer): string {
  return data.toString("utf8").replace(/\r?\n$/, "");
}
