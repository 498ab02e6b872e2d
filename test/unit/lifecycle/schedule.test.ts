/**
 * The schedule's text: systemd quoting (specifiers and variables escaped, so a reload command with %
 * or $ reaches /bin/sh unchanged), the drop-in's three commands, and the crontab line (whose command
 * part `sh` runs back to the same argv; % escaped for cron).
 */
import { spawnSync } from "node:child_process";
import { cronLine, planSchedule, systemdQuote } from "../../../src/lifecycle/schedule.js";

const base = { name: "registry", withinDays: 30, reload: "docker restart registry && echo \"100% $HOME\"", regcert: "/usr/local/bin/regcert", home: "/srv/ca home" };

test.each([
  ["plain", "plain"],
  ["a b", '"a b"'],
  ["100%", '"100%%"'],
  ["$HOME", '"$$HOME"'],
  ['say "hi" \\ now', '"say \\"hi\\" \\\\ now"'],
])("systemdQuote(%j) = %s", (input, quoted) => {
  expect(systemdQuote(input)).toBe(quoted);
});

test("a line break cannot be smuggled into a unit", () => {
  expect(() => systemdQuote("a\nExecStart=/bin/evil")).toThrow(expect.objectContaining({ code: "regcert.invalidArgument", exitCode: 2 }));
});

test("the drop-in: due check, renew, reload; the encrypted-key passphrase file goes to renew", () => {
  const plan = planSchedule({ ...base, passphraseFile: "/etc/regcert/pass" }, { service: "S", timer: "T" });
  const dropIn = plan.files.find((f) => !f.shared)?.contents ?? "";
  expect(plan.files.map((f) => f.path)).toEqual(["etc/systemd/system/regcert-renew@.service", "etc/systemd/system/regcert-renew@.timer", "etc/systemd/system/regcert-renew@registry.service.d/regcert.conf"]);
  expect(dropIn).toContain('Environment="REGCERT_HOME=/srv/ca home"');
  expect(dropIn).toContain("ExecCondition=/usr/local/bin/regcert schedule registry --within 30 --check");
  expect(dropIn).toContain("ExecStart=/usr/local/bin/regcert --yes renew registry --passphrase-file /etc/regcert/pass");
  expect(dropIn).toContain('ExecStartPost=/bin/sh -c "docker restart registry && echo \\"100%% $$HOME\\""');
  expect(plan.timerUnit).toBe("regcert-renew@registry.timer");
});

test("the cron line runs the same argv through sh; % is escaped for cron", () => {
  const line = cronLine({ ...base, name: undefined });
  expect(line).toMatch(/^17 3 \* \* \* REGCERT_HOME='\/srv\/ca home' \/usr\/local\/bin\/regcert schedule --all --within 30 --check && /);
  expect(line).toContain("\\%");
  const command = line.replace(/^(\S+ ){5}/, "").replace(/\\%/g, "%").replace(/\/usr\/local\/bin\/regcert|\/bin\/sh/g, "printf '<%s>'");
  const out = spawnSync("sh", ["-c", command], { encoding: "utf8" }).stdout;
  expect(out).toBe("<schedule><--all><--within><30><--check><--yes><renew><--all><--within><30><-c><docker restart registry && echo \"100% $HOME\">");
});
