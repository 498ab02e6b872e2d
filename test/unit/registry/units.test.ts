/**
 * The systemd units registry-config writes (distribution v3 binary install, zot), judged by systemd
 * itself: `systemd-analyze verify` prints every unknown key or bad value (it exits 0 for some of
 * them, so its stderr must be empty). ExecStart points at a binary that exists here, since verify
 * checks it. Needs systemd-analyze (package systemd, in .ci/run): fails, never skips, when missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderDistributionUnit } from "../../../src/registry/config.js";
import { renderZotSystemd } from "../../../src/registry/zot.js";
import { runTool } from "../../helpers/run-tool.js";

const dir = mkdtempSync(join(tmpdir(), "regcert-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function verify(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const result = await runTool("systemd-analyze", ["verify", path], { timeoutMs: 120_000 });
  if (result.code === 127) throw new Error("systemd-analyze is not installed (package systemd)");
  return `${result.code === 0 ? "" : `exit ${result.code}\n`}${result.stderr}`.trim();
}

const binary = process.execPath;

test("distribution v3's registry.service: systemd finds nothing to complain about", async () => {
  expect(await verify("registry.service", renderDistributionUnit({ binary, config: "/etc/distribution/config.yml", user: "registry" }))).toBe("");
}, 150_000);

test("zot.service: systemd finds nothing to complain about", async () => {
  expect(await verify("zot.service", renderZotSystemd({ binary }).unit.text)).toBe("");
}, 150_000);

test("negative control: a misspelt key is reported", async () => {
  const bad = renderDistributionUnit({ binary, config: "/etc/distribution/config.yml", user: "registry" }).replace("NoNewPrivileges=", "NoNewPrivilege=");
  expect(await verify("bad.service", bad)).toMatch(/Unknown key/);
}, 150_000);
