/**
 * The refresh step: `update-ca-certificates` (or `update-ca-trust extract`) runs only when the root is
 * / and we are root; otherwise it is printed. The run here uses a PATH holding nothing but stubs, so
 * the machine's real tool can never be reached.
 */
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runRefresh } from "../../../src/cli/commands/install-trust.js";
import type { Context } from "../../../src/cli/context.js";
import { createUi } from "../../../src/cli/ui.js";
import { SYSTEM_STORES } from "../../../src/trust/system.js";
import type { RefreshCommand } from "../../../src/trust/types.js";
import { makeTempDir, removeTempDir } from "../../helpers/workspace.js";

let dir: string;
let log: string;

beforeAll(() => {
  dir = makeTempDir("regcert-refresh-");
  log = join(dir, "calls.log");
  writeFileSync(join(dir, "update-ca-certificates"), `#!/bin/sh\necho "update-ca-certificates $*" >> '${log}'\necho "1 added, 0 removed; done."\n`);
  writeFileSync(join(dir, "update-ca-trust"), `#!/bin/sh\necho "update-ca-trust $*" >> '${log}'\nexit 3\n`);
  chmodSync(join(dir, "update-ca-certificates"), 0o755);
  chmodSync(join(dir, "update-ca-trust"), 0o755);
});

afterAll(() => removeTempDir(dir));

function context(lines: string[]): Context {
  const sink = { write: (s: string) => lines.push(s) };
  const globals = { json: false, yes: true, quiet: true, color: false };
  // quiet: command output is not echoed to the test's stderr; info lines are captured below instead
  const ui = createUi({ ...globals, quiet: false }, { NO_COLOR: "1" }, { stdout: sink, stderr: sink });
  return { ui: { ...ui, quiet: true }, env: { PATH: dir }, cwd: dir, globals, interactive: false, home: () => join(dir, "home") };
}

const debian: RefreshCommand = { target: "system", install: SYSTEM_STORES.debian.install, uninstall: SYSTEM_STORES.debian.uninstall, run: "auto", why: "test" };
const rhel: RefreshCommand = { target: "system", install: SYSTEM_STORES.rhel.install, uninstall: SYSTEM_STORES.rhel.uninstall, run: "auto", why: "test" };
const k3s: RefreshCommand = { target: "k3s", install: ["systemctl", "restart", "k3s"], uninstall: ["systemctl", "restart", "k3s"], run: "print", why: "test" };

describe("runRefresh", () => {
  test("root / as root: runs the tool (install, then --fresh for uninstall); 'print' commands are only printed", () => {
    rmSync(log, { force: true });
    const lines: string[] = [];
    expect(runRefresh(context(lines), { root: "/" }, [debian, k3s], "install", true)).toEqual([
      { command: "update-ca-certificates", ran: true, exitCode: 0 },
      { command: "systemctl restart k3s", ran: false },
    ]);
    expect(runRefresh(context(lines), { root: "/" }, [debian], "uninstall", true)).toEqual([{ command: "update-ca-certificates --fresh", ran: true, exitCode: 0 }]);
    expect(readFileSync(log, "utf8")).toBe("update-ca-certificates \nupdate-ca-certificates --fresh\n");
    expect(lines.join("")).toContain("Then run: systemctl restart k3s");
  });

  test("a failing tool is a warning and exit code 1, not a crash", () => {
    rmSync(log, { force: true });
    const lines: string[] = [];
    const saved = process.exitCode;
    try {
      expect(runRefresh(context(lines), { root: "/" }, [rhel], "install", true)).toEqual([{ command: "update-ca-trust extract", ran: true, exitCode: 3 }]);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = saved;
    }
    expect(lines.join("")).toContain("warning: update-ca-trust extract failed (exit 3)");
  });

  test("under --root, or not as root, nothing runs: the command is printed", () => {
    rmSync(log, { force: true });
    const lines: string[] = [];
    expect(runRefresh(context(lines), { root: "/srv/image" }, [debian], "install", true)).toEqual([{ command: "update-ca-certificates", ran: false }]);
    expect(runRefresh(context(lines), { root: "/" }, [debian], "install", false)).toEqual([{ command: "update-ca-certificates", ran: false }]);
    expect(existsSync(log)).toBe(false);
    expect(lines.join("")).toContain("Then run: update-ca-certificates   # test (not run: --root /srv/image)");
    expect(lines.join("")).toContain("Then run: sudo update-ca-certificates   # test (needs root)");
  });
});
