/**
 * Pins the help text of the built CLI against test/golden/help/. A changed flag or description fails
 * here until the golden file is regenerated on purpose:
 *   UPDATE_GOLDEN=1 REGCERT_DIST=dist NODE_OPTIONS=--experimental-vm-modules npx jest test/cli/help.test.ts
 * (A missing golden file fails: test/helpers/golden.ts.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, runCli, tempWorkspace } from "../helpers/cli.js";
import { readGolden } from "../helpers/golden.js";

/** Runs regcert with `args` (a fixed 80-column, colourless, non-TTY environment) and returns stdout. */
async function helpText(args: string[]): Promise<string> {
  const ws = tempWorkspace("regcert-help-");
  try {
    const result = await runCli(args, { cwd: ws.dir, env: { ...ws.env, COLUMNS: "80", NO_COLOR: "1" } });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    return result.stdout;
  } finally {
    ws.cleanup();
  }
}

function compareWithGolden(name: string, actual: string): void {
  expect(actual).toBe(readGolden(join("help", name), actual));
}

test.each([
  ["regcert.txt", ["--help"]],
  ["issue.txt", ["issue", "--help"]],
])("help pinned: %s", async (golden, args) => {
  compareWithGolden(golden, await helpText(args));
});

test("regcert help issue prints the same text as regcert issue --help", async () => {
  expect(await helpText(["help", "issue"])).toBe(await helpText(["issue", "--help"]));
});

test("--version and -V print package.json's version", async () => {
  const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
  expect(version).toMatch(/^\d+\.\d+\.\d+/);
  expect(await helpText(["--version"])).toBe(`${version}\n`);
  expect(await helpText(["-V"])).toBe(`${version}\n`);
});

test("the help lists every key type and the 825-day rule where it applies", async () => {
  const text = await helpText(["issue", "--help"]);
  for (const type of ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"]) expect(text).toContain(type);
  expect(text).toContain("825");
  expect(text).toMatch(/^Examples:\n {2}\$ regcert issue/m);
});
