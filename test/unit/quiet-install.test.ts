/**
 * Quiet installs (#12): npm 11 blocks dependency install scripts unless package.json's `allowScripts`
 * covers them, and warns about every one it skipped ("npm warn install-scripts …"). This is npm's own
 * rule applied to the lock file: every package the lock marks `hasInstallScript` must have an
 * allowScripts entry (true: reviewed and allowed; false: reviewed and not needed). esbuild's
 * postinstall only re-checks its platform binary (the @esbuild/<platform> optional dependency is what
 * runs), so it is denied. A real `npm ci` transcript is checked by scripts/check-quiet-install.sh.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = process.cwd();
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string; hasInstallScript?: boolean }> };

const nameOf = (path: string) => path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);

test("every dependency with an install script is covered by allowScripts", () => {
  const withScripts = Object.entries(lock.packages)
    .filter(([path, p]) => path !== "" && p.hasInstallScript)
    .map(([path, p]) => ({ name: nameOf(path), version: p.version }));
  expect(withScripts.map((p) => p.name)).toContain("esbuild"); // the check sees what npm sees
  const allow = pkg.allowScripts ?? {};
  const covered = (name: string, version: string | undefined) => Object.keys(allow).some((k) => k === name || k === `${name}@${version}`);
  expect(withScripts.filter((p) => !covered(p.name, p.version))).toEqual([]);
});

test("esbuild's script is denied, and the build does not need it", () => {
  expect(pkg.allowScripts?.esbuild).toBe(false);
});
