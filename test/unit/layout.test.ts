/** The module layout of DESIGN.md, checked on the sources: dependencies point down, no command imports another. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO } from "../helpers/cli.js";

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
const imports = (path: string): string[] => [...readFileSync(path, "utf8").matchAll(/^(?:import|export)[^;]*? from "([^"]+)"/gms)].map((m) => m[1] as string);
const src = (...parts: string[]) => join(REPO, "src", ...parts);

test("no command imports another command (shared code lives in src/cli or below)", () => {
  const offenders = files(src("cli", "commands")).flatMap((path) => imports(path).filter((spec) => spec.startsWith("./")).map((spec) => `${relative(REPO, path)} -> ${spec}`));
  expect(offenders).toEqual([]);
});

test.each([
  ["pki", ["../cli/", "../files/", "../registry/", "../lifecycle/", "../trust/", "node:fs", "node:child_process", "node:tls", "node:dgram"]],
  ["lifecycle", ["../cli/", "../registry/"]],
  ["registry", ["../cli/"]],
  ["files", ["../cli/", "../lifecycle/", "../registry/"]],
])("src/%s imports nothing from above it", (dir, forbidden) => {
  const offenders = files(src(dir)).flatMap((path) =>
    imports(path)
      .filter((spec) => forbidden.some((f) => spec === f || spec.startsWith(f) || spec.replace(/^\.\.\/\.\.\//, "../").startsWith(f)))
      .map((spec) => `${relative(REPO, path)} -> ${spec}`),
  );
  expect(offenders).toEqual([]);
});
