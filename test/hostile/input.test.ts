/**
 * Untrusted input files (src/cli/input.ts): size caps before and while reading, devices and
 * directories refused before a byte is read, and named pipes that cannot hang a run (a FIFO nobody
 * writes to reads as empty instead of blocking in open()).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_INPUT_BYTES, readInputFileSync } from "../../src/cli/input.js";
import { RegcertError } from "../../src/pki/errors.js";
import { toolAvailable } from "../helpers/run-tool.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "regcert-input-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function refused(path: string, message: RegExp): void {
  let error: unknown;
  const started = Date.now();
  try {
    readInputFileSync(path, "--csr");
  } catch (e) {
    error = e;
  }
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(error).toBeInstanceOf(RegcertError);
  expect((error as RegcertError).exitCode).toBe(2);
  expect((error as RegcertError).message).toMatch(message);
}

test("exactly 1 MiB is read; 1 MiB + 1 byte is refused before reading", () => {
  writeFileSync(join(dir, "max"), Buffer.alloc(MAX_INPUT_BYTES, 0x41));
  writeFileSync(join(dir, "over"), Buffer.alloc(MAX_INPUT_BYTES + 1, 0x41));
  expect(readInputFileSync(join(dir, "max"), "--csr").length).toBe(MAX_INPUT_BYTES);
  refused(join(dir, "over"), /1048577 bytes; that is not a certificate, CSR or key \(--csr\)/);
});

test.each(["/dev/zero", "/dev/urandom", "/dev/null"])("%s is refused as not a regular file, without reading", (device) => {
  refused(device, /is not a regular file \(--csr\)/);
});

test("a directory is refused", () => {
  mkdirSync(join(dir, "d"));
  refused(join(dir, "d"), /is a directory, not a file \(--csr\)/);
});

test("a missing file names the flag", () => {
  refused(join(dir, "missing"), /does not exist \(--csr\)/);
});

(toolAvailable("mkfifo") ? describe : describe.skip)("named pipes", () => {
  test("a FIFO nobody writes to reads as empty at once instead of hanging in open()", () => {
    const fifo = join(dir, "idle.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const started = Date.now();
    expect(readInputFileSync(fifo, "--csr").length).toBe(0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test("a FIFO fed by a writer is read to the end", async () => {
    const fifo = join(dir, "fed.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const writer = spawn("sh", ["-c", `exec 3>"${fifo}"; printf 'first ' >&3; sleep 0.3; printf 'second' >&3; exec 3>&-`]);
    await new Promise((r) => setTimeout(r, 150)); // let the writer open its end
    expect(readInputFileSync(fifo, "--csr").toString()).toBe("first second");
    await new Promise((r) => writer.on("close", r));
  });

  test("an endless FIFO is cut off at the cap", async () => {
    const fifo = join(dir, "endless.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const writer = spawn("sh", ["-c", `exec cat /dev/zero > "${fifo}"`]);
    await new Promise((r) => setTimeout(r, 150));
    refused(fifo, /larger than 1024 KiB/);
    writer.kill("SIGKILL");
  });
});
