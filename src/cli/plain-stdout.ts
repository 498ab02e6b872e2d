/**
 * commander prints help through process.stdout, and creating process.stdout loads node's stream modules
 * (about 4 ms of a 90 ms `regcert --help`). When stdout is certainly not a terminal (a pipe, a file, a
 * socket, /dev/null), no stream is needed: the text is written with fs.writeSync, and commander is told
 * what it would find out itself — no terminal, so its default width of 80 and no colours. On a terminal, or when anything is
 * unclear (FORCE_COLOR, CLICOLOR_FORCE, an unknown character device), commander's defaults stay.
 */
import { fstatSync, statSync, writeSync } from "node:fs";

export interface PlainOutput {
  writeOut?: (text: string) => void;
  getOutHelpWidth?: () => number;
  getOutHasColors?: () => boolean;
}

export function plainStdoutOutput(fd = 1): PlainOutput {
  if (!surelyNotTerminal(fd)) return {};
  return { writeOut: (text) => writeAll(fd, text), getOutHelpWidth: () => 80, getOutHasColors: () => false };
}

/** True only when fd is a pipe, a regular file, a socket or /dev/null (a terminal is a character device). */
export function surelyNotTerminal(fd: number): boolean {
  if (process.env.FORCE_COLOR !== undefined || process.env.CLICOLOR_FORCE !== undefined) return false;
  try {
    const stat = fstatSync(fd);
    if (stat.isFIFO() || stat.isFile() || stat.isSocket()) return true;
    return stat.isCharacterDevice() && stat.rdev === statSync("/dev/null").rdev;
  } catch {
    return false;
  }
}

function writeAll(fd: number, text: string): void {
  const data = Buffer.from(text);
  let offset = 0;
  try {
    while (offset < data.length) offset += writeSync(fd, data, offset);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // the reader went away (`regcert --help | head -1`): not an error, as for process.stdout (main.ts)
    if (code === "EPIPE") return;
    // a non-blocking pipe that is full: the stream waits for it
    if (code === "EAGAIN" && fd === 1) {
      process.stdout.write(data.subarray(offset));
      return;
    }
    throw error;
  }
}
