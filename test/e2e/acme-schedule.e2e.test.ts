/**
 * `regcert schedule`: the systemd units it writes under --root pass `systemd-analyze verify` (exit 0
 * and no complaint; a broken timer is shown to fail, so the judge can say no); --uninstall removes
 * exactly what was written. Then the scheduled job runs for real, as cron would run it (the --cron
 * line): a 1-day certificate is due, `regcert renew` replaces it, and the --reload command restarts
 * the real docker-registry (kept running by a supervisor loop, as systemd's Restart= would), which
 * then serves the new serial. A certificate that is not due is left alone and nothing is reloaded.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { startProcess, type RunningProcess } from "../helpers/process.js";
import { registryConfig } from "../helpers/registry.js";
import { describeWithTools, runTool } from "../helpers/run-tool.js";
import { treeState } from "../helpers/tree.js";

const suite = describeWithTools("schedule e2e", ["systemd-analyze", "docker-registry", "openssl"]);
const SLOW = 120_000;

let ws: ReturnType<typeof tempWorkspace>;
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { cwd: ws.dir, env: { ...ws.env, ...env } });
}
async function ok(args: string[]) {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

suite("regcert schedule", () => {
  beforeAll(async () => {
    ws = tempWorkspace("regcert-schedule-e2e-");
    await ok(["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--days", "1", "--out", "certs"]);
    await ok(["issue", "--dns", "later.test", "--name", "later", "--out", "certs"]);
  }, SLOW);
  afterAll(() => ws?.cleanup());

  test("units under --root pass systemd-analyze verify; a broken one does not; --uninstall removes exactly them", async () => {
    const root = join(ws.dir, "root");
    mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
    writeFileSync(join(root, "etc/systemd/system/other.service"), "[Service]\nExecStart=/bin/true\n");
    const before = treeState(root);
    await ok(["schedule", "registry", "--reload", "systemctl restart docker-registry", "--root", root]);
    await ok(["schedule", "--all", "--within", "14", "--root", root]);
    const dir = join(root, "etc/systemd/system");
    const conf = readFileSync(join(dir, "regcert-renew@registry.service.d/regcert.conf"), "utf8");
    expect(conf).toMatch(/^ExecCondition=\/\S+ schedule registry --within 30 --check$/m);
    expect(conf).toMatch(/^ExecStart=\/\S+ --yes renew registry$/m);
    expect(conf).toContain('ExecStartPost=/bin/sh -c "systemctl restart docker-registry"');
    expect(readFileSync(join(dir, "regcert-renew@.timer"), "utf8")).toMatch(/Persistent=true[\s\S]*|RandomizedDelaySec=1h/);
    for (const instance of ["registry", "_all"]) {
      const v = await runTool("systemd-analyze", ["verify", join(dir, `regcert-renew@${instance}.service`), join(dir, `regcert-renew@${instance}.timer`)]);
      expect({ code: v.code, stderr: v.stderr }).toEqual({ code: 0, stderr: "" });
    }
    // negative control: the same judge refuses a timer with a bad calendar
    const broken = join(ws.dir, "broken");
    cpSync(dir, broken, { recursive: true });
    writeFileSync(join(broken, "regcert-renew@.timer"), readFileSync(join(dir, "regcert-renew@.timer"), "utf8").replace("OnCalendar=daily", "OnCalendar=dailyx"));
    expect((await runTool("systemd-analyze", ["verify", join(broken, "regcert-renew@registry.timer")])).code).not.toBe(0);

    await ok(["schedule", "registry", "--uninstall", "--root", root]);
    expect(existsSync(join(dir, "regcert-renew@.service"))).toBe(true); // still used by _all
    expect(existsSync(join(dir, "regcert-renew@registry.service.d"))).toBe(false);
    await ok(["schedule", "--all", "--uninstall", "--root", root]);
    expect(treeState(root)).toEqual(before);
  }, SLOW);

  test("--check: exit 0 when due, 1 when not; unknown names are a user error", async () => {
    expect((await cli(["schedule", "registry", "--check"])).code).toBe(0);
    expect((await cli(["schedule", "later", "--check"])).code).toBe(1);
    expect((await cli(["schedule", "later", "--check"], { REGCERT_NOW: new Date(Date.now() + 380 * 86_400_000).toISOString() })).code).toBe(0);
    const r = await cli(["schedule", "nosuch", "--check"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^regcert: no certificate named "nosuch" in the index of .*\nhint: regcert status lists them\n$/);
  });

  test("the scheduled job renews what is due and its reload command restarts the registry, which serves the new serial", async () => {
    const certs = join(ws.dir, "certs");
    const port = await freePort();
    const config = join(ws.dir, "registry.yml");
    mkdirSync(join(ws.dir, "storage"), { recursive: true });
    writeFileSync(config, stringify(registryConfig({ port, storageDir: join(ws.dir, "storage"), tls: { certificate: join(certs, "registry.crt"), key: join(certs, "registry.key") } })));
    const pidFile = join(ws.dir, "registry.pid");
    // a supervisor like systemd's Restart=always: the reload command kills the registry, the loop starts it again
    const supervisor: RunningProcess = await startProcess("sh", ["-c", `while :; do docker-registry serve '${config}' & echo $! > '${pidFile}'; wait $!; sleep 0.2; done`], { ready: /listening on/ });
    const servedSerial = async () => (await runTool("sh", ["-c", `openssl s_client -connect 127.0.0.1:${port} -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -serial`])).stdout.trim();
    try {
      const fileSerial = async () => (await runTool("openssl", ["x509", "-in", join(certs, "registry.crt"), "-noout", "-serial"])).stdout.trim();
      const oldSerial = await fileSerial();
      expect(await servedSerial()).toBe(oldSerial);
      const laterBefore = readFileSync(join(certs, "later.crt"), "utf8");
      const cron = (await ok(["schedule", "--all", "--reload", `kill $(cat '${pidFile}')`, "--cron"])).trim().split("\n").pop() as string;
      const command = cron.replace(/^(\S+ ){5}/, "").replace(/\\%/g, "%");
      const job = await runTool("sh", ["-c", command], { env: { ...ws.env, NO_COLOR: "1", CI: "1", NODE_OPTIONS: "" }, timeoutMs: 60_000 });
      expect(job.code).toBe(0);
      const newSerial = await fileSerial();
      expect(newSerial).not.toBe(oldSerial);
      expect(readFileSync(join(certs, "later.crt"), "utf8")).toBe(laterBefore); // not due: untouched
      const deadline = Date.now() + 30_000;
      let served = "";
      while (Date.now() < deadline && (served = await servedSerial()) !== newSerial) await new Promise((r) => setTimeout(r, 300));
      expect(served).toBe(newSerial);
      const verified = await runTool("openssl", ["verify", "-CAfile", join(ws.home, "ca.crt"), join(certs, "registry.crt")]);
      expect(verified.stdout.trim()).toBe(`${join(certs, "registry.crt")}: OK`);

      // nothing due now: the job stops at the check and the registry is not restarted
      const pidBefore = readFileSync(pidFile, "utf8");
      // (the renewed certificate is again a 1-day one, so "due" is asked with --within 0 here)
      const cron0 = (await ok(["schedule", "--all", "--within", "0", "--reload", `kill $(cat '${pidFile}')`, "--cron"])).trim().split("\n").pop() as string;
      const again = await runTool("sh", ["-c", cron0.replace(/^(\S+ ){5}/, "").replace(/\\%/g, "%")], { env: { ...ws.env, NO_COLOR: "1", CI: "1", NODE_OPTIONS: "" }, timeoutMs: 60_000 });
      expect(again.code).toBe(1);
      expect(readFileSync(pidFile, "utf8")).toBe(pidBefore);
    } finally {
      await supervisor.stop();
    }
  }, SLOW);
});
