/** init-ca --force during a CA rollover would leave the previous CA in every trust bundle: refused until retire-old. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempWorkspace } from "../helpers/cli.js";

test("init-ca --force is refused while a rollover is in progress, and works after retire-old", async () => {
  const ws = tempWorkspace("regcert-initca-rollover-");
  try {
    const run = (args: string[]) => runCli(args, { cwd: ws.dir, env: ws.env });
    expect((await run(["init-ca", "--cn", "Old CA"])).code).toBe(0);
    expect((await run(["ca", "rotate"])).code).toBe(0);
    expect(existsSync(join(ws.home, "previous-ca.crt"))).toBe(true);
    const before = readFileSync(join(ws.home, "ca.crt"), "utf8");

    const refused = await run(["init-ca", "--force", "--cn", "Third CA"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^regcert: a CA rollover is in progress/m);
    expect(refused.stderr).toMatch(/^hint: finish it first: regcert ca retire-old/m);
    expect(readFileSync(join(ws.home, "ca.crt"), "utf8")).toBe(before);

    expect((await run(["ca", "retire-old"])).code).toBe(0);
    const replaced = await run(["init-ca", "--force", "--cn", "Third CA"]);
    expect(replaced.code).toBe(0);
    expect(existsSync(join(ws.home, "previous-ca.crt"))).toBe(false);
  } finally {
    ws.cleanup();
  }
}, 60_000);
