/**
 * htpasswd entries: bcrypt $2y$ that Apache's `htpasswd -vb` (an independent implementation) accepts,
 * wrong passwords refused, other lines kept byte for byte, bad names refused.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { RegcertError } from "../../../src/pki/errors.js";
import {
  deleteHtpasswdEntry,
  hashPassword,
  isBcryptHash,
  nonBcryptUsers,
  parseHtpasswd,
  setHtpasswdEntry,
  validateCost,
  validateHtpasswdUser,
  validatePassword,
  verifyHtpasswdPassword,
} from "../../../src/registry/htpasswd.js";
import { runTool, toolAvailable } from "../../helpers/run-tool.js";
import { suiteTempDir } from "../../helpers/workspace.js";

const hasHtpasswd = toolAvailable("htpasswd");
const dir = suiteTempDir("regcert-htpasswd-unit-");

function expectUserError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RegcertError);
    expect((error as RegcertError).code).toBe(code);
    expect((error as RegcertError).exitCode).toBe(2);
    return;
  }
  throw new Error(`expected ${code}`);
}

/** `htpasswd -vb FILE USER PASSWORD`: exit 0 when the password is right, 3 when wrong. */
async function apacheVerify(text: string, user: string, password: string): Promise<number> {
  const file = join(dir, `f-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return (await runTool("htpasswd", ["-vb", file, user, password])).code;
}

describe("hashPassword", () => {
  test("writes $2y$ with cost 10 by default", () => {
    const hash = hashPassword("s3cret");
    expect(hash).toMatch(/^\$2y\$10\$[./A-Za-z0-9]{53}$/);
    expect(isBcryptHash(hash)).toBe(true);
  });

  test("--cost is honoured and bounded", () => {
    expect(hashPassword("x", { cost: 4 })).toMatch(/^\$2y\$04\$/);
    expectUserError(() => validateCost(3), "regcert.invalidCost");
    expectUserError(() => validateCost(18), "regcert.invalidCost");
  });

  test("known answer: a fixed salt gives the hash Apache computes for it", async () => {
    const hash = hashPassword("hunter2", { cost: 5, salt: "abcdefghijklmnopqrstuu" });
    expect(hash.startsWith("$2y$05$abcdefghijklmnopqrstu")).toBe(true);
    if (hasHtpasswd) expect(await apacheVerify(`bob:${hash}\n`, "bob", "hunter2")).toBe(0);
  });

  (hasHtpasswd ? test : test.skip).each([
    ["alice", "correct horse battery staple"],
    ["bob", "pässwörd-ünicode"],
    ["carol", "with:colon and spaces"],
    ["dave", "x".repeat(72)],
  ])("htpasswd -vb accepts %s's entry and refuses a wrong password", async (user, password) => {
    const { text } = setHtpasswdEntry("", user, hashPassword(password, { cost: 5 }));
    expect(await apacheVerify(text, user, password)).toBe(0);
    expect(await apacheVerify(text, user, `${password.slice(0, -1)}!`)).not.toBe(0);
    expect(verifyHtpasswdPassword(text, user, password)).toBe(true);
    expect(verifyHtpasswdPassword(text, user, "wrong")).toBe(false);
  });

  test("our verifier accepts Apache's own bcrypt entries", async () => {
    if (!hasHtpasswd) return;
    const made = await runTool("htpasswd", ["-nbB", "-C", "5", "eve", "apache-made"]);
    expect(made.code).toBe(0);
    expect(verifyHtpasswdPassword(made.stdout, "eve", "apache-made")).toBe(true);
    expect(verifyHtpasswdPassword(made.stdout, "eve", "apache-madE")).toBe(false);
  });

  test("refuses passwords bcrypt would truncate, empty ones and line breaks", () => {
    expectUserError(() => validatePassword("x".repeat(73)), "regcert.passwordTooLong");
    expectUserError(() => validatePassword("é".repeat(37)), "regcert.passwordTooLong");
    expectUserError(() => validatePassword(""), "regcert.emptySecret");
    expectUserError(() => validatePassword("a\nb"), "regcert.invalidPassword");
  });
});

describe("user names", () => {
  test.each([["a:b"], ["a\nb"], ["a\rb"], [""], [" alice"], ["tab\there"]])("refuses %j", (name) => {
    expectUserError(() => validateHtpasswdUser(name), "regcert.invalidUser");
  });
  test.each([["alice"], ["ci-bot.2"], ["user@example.com"], ["Ünicode"]])("accepts %j", (name) => {
    expect(validateHtpasswdUser(name)).toBe(name);
  });
});

describe("editing a file", () => {
  const other = "# managed by hand\nbob:$2y$05$abcdefghijklmnopqrstuuI4tPOL9yoDJ2y5/1D2g1fIV/2cK2kfq\nlegacy:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n";

  test("adds a user at the end and keeps every other line byte for byte", () => {
    const hash = hashPassword("pw", { cost: 4 });
    const change = setHtpasswdEntry(other, "alice", hash);
    expect(change.action).toBe("added");
    expect(change.text).toBe(`${other}alice:${hash}\n`);
  });

  test("replaces a user in place, dropping duplicate stale lines", () => {
    const first = setHtpasswdEntry(other, "alice", hashPassword("old", { cost: 4 })).text;
    const withDup = `${first}alice:$2y$04$abcdefghijklmnopqrstuuI4tPOL9yoDJ2y5/1D2g1fIV/2cK2kfq\n`;
    const hash = hashPassword("new", { cost: 4 });
    const change = setHtpasswdEntry(withDup, "alice", hash);
    expect(change.action).toBe("replaced");
    expect(change.text).toBe(`${other}alice:${hash}\n`);
    expect(verifyHtpasswdPassword(change.text, "alice", "new")).toBe(true);
    expect(verifyHtpasswdPassword(change.text, "alice", "old")).toBe(false);
  });

  test("a file without a final newline gets one, and CRLF lines are kept", () => {
    const hash = hashPassword("pw", { cost: 4 });
    expect(setHtpasswdEntry("bob:x", "alice", hash).text).toBe(`bob:x\nalice:${hash}\n`);
    expect(setHtpasswdEntry("bob:x\r\n", "alice", hash).text).toBe(`bob:x\r\nalice:${hash}\n`);
  });

  test("deletes exactly one user", () => {
    const hash = hashPassword("pw", { cost: 4 });
    const withAlice = setHtpasswdEntry(other, "alice", hash).text;
    expect(deleteHtpasswdEntry(withAlice, "alice")).toEqual({ text: other, action: "deleted" });
    expect(deleteHtpasswdEntry(other, "alice")).toEqual({ text: other, action: "absent" });
    expect(deleteHtpasswdEntry(`alice:${hash}\n`, "alice").text).toBe("");
    // a user whose name is a prefix of another is not touched
    expect(deleteHtpasswdEntry(`al:${hash}\nalice:${hash}\n`, "al").text).toBe(`alice:${hash}\n`);
  });

  test("reports entries the registry ignores", () => {
    expect(parseHtpasswd(other).map((e) => e.user)).toEqual(["bob", "legacy"]);
    expect(nonBcryptUsers(other)).toEqual(["legacy"]);
  });
});
