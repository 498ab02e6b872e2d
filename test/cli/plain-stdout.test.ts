/**
 * Help printed without process.stdout (src/cli/plain-stdout.ts): the text is the same on every kind of
 * stdout that is not a terminal (socket pair — what runCli and the help goldens use —, pipe, file,
 * /dev/null), the stream path stays when colour is forced, and a reader that goes away is not an error.
 * The decision for each kind of file descriptor is pinned by a unit test below.
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, runCli, tempWorkspace } from "../helpers/cli.js";
import { surelyNotTerminal } from "../../src/cli/plain-stdout.js";

const ws = tempWorkspace("regcert-plain-stdout-");
afterAll(() => ws.cleanup());
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CI: "1", COLUMNS: "80" };
delete env.NODE_OPTIONS;

const sh = (script: string, extra: NodeJS.ProcessEnv = {}) =>
  spawnSync("sh", ["-c", script], { cwd: ws.dir, env: { ...env, ...extra, BIN }, encoding: "utf8", timeout: 60_000 });

test("help through a socket pair, a pipe, a file and with FORCE_COLOR (stream path) is the same text", async () => {
  const viaSocket = await runCli(["--help"], { cwd: ws.dir });
  expect(viaSocket.code).toBe(0);
  const viaPipe = sh(`node "$BIN" --help | cat`);
  expect(viaPipe.status).toBe(0);
  const file = join(ws.dir, "help.txt");
  const viaFile = sh(`node "$BIN" --help > "${file}"`);
  expect(viaFile.status).toBe(0);
  const forced = sh(`node "$BIN" --help | cat`, { FORCE_COLOR: "0" });
  expect(forced.status).toBe(0);
  expect(viaSocket.stdout).toContain("Usage: regcert [options] [command]");
  expect(viaPipe.stdout).toBe(viaSocket.stdout);
  expect(readFileSync(file, "utf8")).toBe(viaSocket.stdout);
  expect(forced.stdout).toBe(viaSocket.stdout);
  const toNull = sh(`node "$BIN" --help > /dev/null`);
  expect({ status: toNull.status, stderr: toNull.stderr }).toEqual({ status: 0, stderr: "" });
});

test("a reader that is gone before the help is written (regcert --help | true) is not an error", () => {
  // `true` exits at once, long before node has started: the write meets a closed pipe (EPIPE)
  const run = spawnSync("bash", ["-c", `node "$BIN" --help | true; echo "rc=\${PIPESTATUS[0]}"`], { cwd: ws.dir, env: { ...env, BIN }, encoding: "utf8", timeout: 60_000 });
  expect({ stdout: run.stdout, stderr: run.stderr }).toEqual({ stdout: "rc=0\n", stderr: "" });
});

test("only pipes, files, sockets and /dev/null count as surely not a terminal", () => {
  const file = openSync(join(ws.dir, "fd-file"), "w");
  const devNull = openSync("/dev/null", "w");
  const devZero = openSync("/dev/zero", "r");
  try {
    expect(surelyNotTerminal(file)).toBe(true);
    expect(surelyNotTerminal(devNull)).toBe(true);
    // another character device (a terminal is one): commander's own checks decide
    expect(surelyNotTerminal(devZero)).toBe(false);
    expect(surelyNotTerminal(987654)).toBe(false);
    const before = process.env.FORCE_COLOR;
    process.env.FORCE_COLOR = "1";
    try {
      expect(surelyNotTerminal(file)).toBe(false);
    } finally {
      if (before === undefined) delete process.env.FORCE_COLOR;
      else process.env.FORCE_COLOR = before;
    }
  } finally {
    closeSync(file);
    closeSync(devNull);
    closeSync(devZero);
  }
});
