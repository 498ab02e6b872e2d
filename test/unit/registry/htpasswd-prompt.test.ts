/**
 * `regcert htpasswd` on a terminal asks through src/cli/prompts.ts (mocked here, never `prompts`
 * itself): twice, with the --password-stdin hint for non-interactive use.
 */
import { jest } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const askSecret = jest.fn(async (..._args: unknown[]) => "typed-pw");
jest.unstable_mockModule("../../../src/cli/prompts.js", () => ({ askSecret, askText: jest.fn(), askConfirm: jest.fn(), PromptCancelled: class extends Error {} }));

const { run } = await import("../../../src/cli/commands/htpasswd.js");
const { createUi } = await import("../../../src/cli/ui.js");
const { verifyHtpasswdPassword } = await import("../../../src/registry/htpasswd.js");

test("asks for the password twice (confirm) and writes a bcrypt entry", async () => {
  const dir = mkdtempSync(join(tmpdir(), "regcert-htprompt-"));
  try {
    const out: string[] = [];
    const stream = { write: (s: string) => out.push(s), isTTY: false };
    const ctx = {
      ui: createUi({ json: false, yes: false, quiet: false, color: false }, {}, { stdout: stream, stderr: stream }),
      env: {},
      cwd: dir,
      globals: { json: false, yes: false, quiet: false, color: false },
      interactive: true,
      home: () => join(dir, "home"),
    };
    await run(ctx, "alice", { file: "auth/htpasswd", cost: "4" });
    expect(askSecret).toHaveBeenCalledTimes(1);
    const args = askSecret.mock.calls[0] as unknown[];
    expect(args[1]).toBe("Password for alice");
    // the non-interactive form, from argv: keeps --file, and printf (echo would eat a password like -n)
    expect(args[2]).toBe(`printf '%s\\n' "$PASSWORD" | regcert htpasswd alice --file auth/htpasswd --password-stdin`);
    expect(args[4]).toBe(true); // confirm: asked twice
    const text = readFileSync(join(dir, "auth", "htpasswd"), "utf8");
    expect(verifyHtpasswdPassword(text, "alice", "typed-pw")).toBe(true);
    expect(out.join("")).toContain("Added alice to auth/htpasswd (bcrypt $2y$, cost 4)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
