// Build: compile src/ to dist/ with tsc and make the CLI executable.
// Runs on `npm ci` (prepare) so `npx regcert …` works right after install.
import { spawnSync } from "node:child_process";
import { chmodSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
const tsc = require.resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);
chmodSync(new URL("../dist/cli/main.js", import.meta.url), 0o755);
