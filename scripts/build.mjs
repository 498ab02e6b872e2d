// Build: compile src/ to dist/ with tsc and make the CLI executable.
// Runs on `npm ci` (prepare) so `npx regcert …` works right after install.
// REGCERT_DIST=dist-x builds elsewhere (parallel work trees); tests then find it through the same variable.
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const outDir = process.env.REGCERT_DIST || "dist";
const tsc = require.resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], { stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);
chmodSync(`${outDir}/cli/main.js`, 0o755);
