/**
 * replaceFileSet: a key and its certificate change together or not at all. Failures are injected at
 * every publish step; the old files must survive byte for byte with their modes, and no temp or
 * backup file may be left behind.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { replaceFileSet } from "../../../src/files/replace-set.js";
import type { FilePlan } from "../../../src/files/write.js";
import { treeState } from "../../helpers/tree.js";
import { makeTempDir, removeTempDir } from "../../helpers/workspace.js";

let dir: string;
beforeEach(() => {
  dir = makeTempDir("regcert-replace-");
  writeFileSync(join(dir, "registry.key"), "OLD KEY\n", { mode: 0o600 });
  chmodSync(join(dir, "registry.key"), 0o600);
  writeFileSync(join(dir, "registry.crt"), "OLD CERT\n");
  writeFileSync(join(dir, "registry.pem"), "OLD CERT\n");
  writeFileSync(join(dir, "ca.crt"), "CA\n");
});
afterEach(() => removeTempDir(dir));

const plan = (): FilePlan => [
  { path: join(dir, "registry.key"), contents: "NEW KEY\n", mode: 0o600 },
  { path: join(dir, "registry.csr"), contents: "NEW CSR\n", mode: 0o644 }, // did not exist before
  { path: join(dir, "registry.crt"), contents: "NEW CERT\n", mode: 0o644 },
  { path: join(dir, "registry.pem"), contents: "NEW CERT\n", mode: 0o644 },
  { path: join(dir, "ca.crt"), contents: "CA\n", mode: 0o644 }, // unchanged
];

test("replaces the whole set; unchanged files are left alone; nothing left over", () => {
  const result = replaceFileSet(plan());
  expect(result.unchanged).toEqual([join(dir, "ca.crt")]);
  expect(result.written).toHaveLength(4);
  expect(readFileSync(join(dir, "registry.key"), "utf8")).toBe("NEW KEY\n");
  expect(readFileSync(join(dir, "registry.crt"), "utf8")).toBe("NEW CERT\n");
  expect(readFileSync(join(dir, "registry.csr"), "utf8")).toBe("NEW CSR\n");
  expect(readdirSync(dir).sort()).toEqual(["ca.crt", "registry.crt", "registry.csr", "registry.key", "registry.pem"]);
});

test.each([0, 1, 2, 3])("a failure before publishing file #%d leaves the old set intact", (failAt) => {
  const before = treeState(dir);
  expect(() =>
    replaceFileSet(plan(), {
      beforePublish: (_path, i) => {
        if (i === failAt) throw new Error("injected: disk went away");
      },
    }),
  ).toThrow(/injected: disk went away/);
  expect(treeState(dir)).toEqual(before); // same names, bytes and modes; no temp or backup files
});

test("a symlink among the targets is refused before anything is written", () => {
  mkdirSync(join(dir, "elsewhere"));
  rmSync(join(dir, "registry.pem"));
  symlinkSync(join(dir, "elsewhere", "x"), join(dir, "registry.pem"));
  const before = treeState(dir);
  expect(() => replaceFileSet(plan())).toThrow(/symbolic link/);
  expect(treeState(dir)).toEqual(before);
});
