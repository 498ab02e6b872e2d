// Build: compile src/ to dist/ with tsc (the library: dist/index.js + .d.ts), then bundle the CLI with
// esbuild and make it executable. Runs on `npm ci` (prepare) so `npx regcert …` works right after install.
// REGCERT_DIST=dist-x builds elsewhere (parallel work trees); tests then find it through the same variable.
//
// The CLI as built here (measured in bench/RESULTS.md; each step was kept because it measurably cut
// start-up on Node 20):
//   dist/cli/regcert.cjs        every module of the CLI in one minified CommonJS file. One file instead of
//                               ~100 module reads/resolutions, and no ESM loader (which alone costs more
//                               than `node -e 0`'s difference to an empty CommonJS script). Commands stay
//                               lazy: esbuild turns each `import("../commands/x.js")` into an init function
//                               that runs only when the command does.
//   dist/cli/regcert.cjs.cache  V8's code cache for it, made here by running `regcert issue` once, so a run
//                               skips parsing and compiling the bundle. Node 20 has no module compile cache
//                               (module.enableCompileCache is Node 22), hence node:vm. A cache from another
//                               V8 is rejected by V8 itself and the bundle is compiled as usual: never wrong,
//                               only slower.
//   dist/cli/main.js            the bin: loads regcert.cjs with that cache (CommonJS: dist/cli/package.json).
// REGCERT_NO_BUNDLE=1 (or esbuild missing) leaves the plain tsc output as the CLI.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = resolve(root, process.env.REGCERT_DIST || "dist");
const tsc = require.resolve("typescript/bin/tsc");
const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], { stdio: "inherit", cwd: root });
if (result.status !== 0) process.exit(result.status ?? 1);

async function loadEsbuild() {
  if (process.env.REGCERT_NO_BUNDLE === "1") return undefined;
  try {
    return await import("esbuild");
  } catch {
    console.warn("build: esbuild is not installed; the CLI is the unbundled tsc output (slower start-up)");
    return undefined;
  }
}

const LOADER = `#!/usr/bin/env node
// The regcert bin: runs the bundled CLI (regcert.cjs) with the V8 code cache made at build time
// (regcert.cjs.cache), so a run does not parse and compile the bundle again. A cache made by another
// Node/V8 is rejected by V8 and the bundle is compiled as usual. See scripts/build.mjs.
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

function runBundle() {
  const file = join(__dirname, "regcert.cjs");
  let cachedData;
  try {
    cachedData = readFileSync(file + ".cache");
  } catch {
    cachedData = undefined;
  }
  const source = "(function (exports, require, module, __filename, __dirname) { " + readFileSync(file, "utf8") + "\\n})";
  const script = new Script(source, { filename: file, cachedData });
  // build step only: scripts/build.mjs sets this to write the cache after one real run
  const cacheOut = process.env.REGCERT_WRITE_CODE_CACHE;
  if (cacheOut) process.once("exit", () => writeFileSync(cacheOut, script.createCachedData()));
  const bundle = { exports: {} };
  script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, __dirname);
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // commander's answer (program.ts reads the same package.json), without loading the CLI at all
  process.stdout.write(require("../../package.json").version + "\\n");
} else {
  runBundle();
}
`;

const esbuild = await loadEsbuild();
if (esbuild) {
  const cliOut = join(outDir, "cli");
  const srcCli = join(root, "src", "cli");
  const bundleFile = join(cliOut, "regcert.cjs");
  // Every source file keeps its own import.meta.url as if it were still the tsc output file
  // (dist/cli/commands/x.js …), so code that finds package.json or templates/ relative to itself keeps
  // working inside the one bundle file, which lives in dist/cli/.
  const importMetaUrl = {
    name: "import-meta-url-per-source",
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
        const source = readFileSync(args.path, "utf8");
        if (!source.includes("import.meta.url")) return undefined;
        const asDist = relative(srcCli, args.path).replace(/\\/g, "/").replace(/\.ts$/, ".js");
        const url = `new URL(${JSON.stringify(asDist)}, require("node:url").pathToFileURL(__filename)).href`;
        return { contents: source.replaceAll("import.meta.url", url), loader: "ts" };
      });
    },
  };
  // node:crypto and node:child_process cost several ms to initialise (child_process pulls in net, dgram
  // and streams) and `--help`/`--version` need neither: commander requires child_process only for
  // external subcommands, and most commands touch crypto late. Each import of them becomes a proxy that
  // requires the real module on first use. Its keys are the module's export names as of this build,
  // listed without loading it, because esbuild's ESM interop enumerates them when a module is imported.
  const lazyBuiltins = {
    name: "lazy-builtins",
    setup(build) {
      build.onResolve({ filter: /^(node:)?(crypto|child_process)$/ }, (args) =>
        args.namespace === "lazy-builtin" ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
      );
      build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
        loader: "js",
        contents: `let real;
const load = () => (real ??= require("node:${args.path}"));
const names = ${JSON.stringify(Object.keys(require(`node:${args.path}`)))};
module.exports = new Proxy({}, {
  get: (_, key) => load()[key],
  has: (_, key) => names.includes(key) || key in load(),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_, key) => (names.includes(key) ? { configurable: true, enumerable: true, get: () => load()[key] } : undefined),
});`,
      }));
    },
  };
  // the tsc output of the CLI is replaced by the bundle (nothing imports dist/cli: the library is dist/index.js)
  rmSync(cliOut, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/cli/main.ts"],
    outfile: bundleFile,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    minify: true,
    sourcemap: "linked",
    legalComments: "external",
    plugins: [importMetaUrl, lazyBuiltins],
    logLevel: "warning",
  });
  // the loader wraps the bundle in a function: its #! line (kept by esbuild from main.ts) must go; an
  // empty first line keeps the source map's line numbers
  const bundled = readFileSync(bundleFile, "utf8");
  if (bundled.startsWith("#!")) writeFileSync(bundleFile, bundled.slice(bundled.indexOf("\n")));
  writeFileSync(join(cliOut, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  writeFileSync(join(cliOut, "main.js"), LOADER);
  chmodSync(join(cliOut, "main.js"), 0o755);
  writeCodeCache(cliOut);
}
chmodSync(join(outDir, "cli", "main.js"), 0o755);

/** Runs the CLI once (first-use issue in a temp home) and keeps V8's code cache of everything it compiled. */
function writeCodeCache(cliOut) {
  const work = mkdtempSync(join(tmpdir(), "regcert-build-"));
  const cacheFile = join(cliOut, "regcert.cjs.cache");
  try {
    const args = [join(cliOut, "main.js"), "--home", join(work, "home"), "--yes", "--quiet", "issue", "--dns", "cache.example", "--ip", "192.0.2.1", "--out", join(work, "certs")];
    const run = spawnSync(process.execPath, args, { cwd: work, env: { ...process.env, REGCERT_WRITE_CODE_CACHE: cacheFile, NODE_OPTIONS: "" }, encoding: "utf8" });
    if (run.status !== 0 || !existsSync(cacheFile)) {
      rmSync(cacheFile, { force: true });
      console.warn(`build: no code cache (the CLI run failed: ${(run.stderr || "").trim().split("\n")[0]}); the CLI works, with a slower start`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// The library for CommonJS consumers (`require("regcert")`, package.json exports "require"): one
// CommonJS file bundled from src/index.ts. Dependencies stay external (required from node_modules as
// usual), so ESM and CommonJS consumers share the same dependency copies.
if (esbuild) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ["src/index.ts"],
    outfile: join(outDir, "index.cjs"),
    bundle: true,
    packages: "external",
    // as in the CLI bundle: each source keeps its own import.meta.url (relative to dist/, where index.cjs
    // lives), so createRequire(import.meta.url) for lazily loaded packages (tldts, pkcs11js) works from CommonJS
    plugins: [
      {
        name: "import-meta-url-per-source-lib",
        setup(build) {
          build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
            const source = readFileSync(args.path, "utf8");
            if (!source.includes("import.meta.url")) return undefined;
            const asDist = relative(join(root, "src"), args.path).replace(/\\/g, "/").replace(/\.ts$/, ".js");
            const url = `new URL(${JSON.stringify(asDist)}, require("node:url").pathToFileURL(__filename)).href`;
            return { contents: source.replaceAll("import.meta.url", url), loader: "ts" };
          });
        },
      },
    ],
    format: "cjs",
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
} else {
  console.warn("build: esbuild is not installed; no CommonJS build (dist/index.cjs): require(\"regcert\") will fail");
}
