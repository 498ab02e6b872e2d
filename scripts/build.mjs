// Build: compile src/ to dist/ with tsc (the library: dist/index.js + .d.ts), then bundle the CLI
// with esbuild into dist/cli/main.js plus lazily loaded chunks beside it, and make it executable.
// Runs on `npm ci` (prepare) so `npx regcert …` works right after install.
// REGCERT_DIST=dist-x builds elsewhere (parallel work trees); tests then find it through the same variable.
//
// Why a bundle: Node resolves, reads and compiles every module file separately (and runs
// cjs-module-lexer over each CommonJS dependency); one minified ESM file per load step cuts that to a
// few reads. Command code stays in chunks that load only when the command runs, so `regcert --help`
// parses commander and the command definitions, nothing else. Measured in bench/RESULTS.md.
// Without esbuild (REGCERT_NO_BUNDLE=1, or not installed) the tsc output is the CLI, unbundled.
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";

const require = createRequire(import.meta.url);
const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
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

const esbuild = await loadEsbuild();
if (esbuild) {
  const cliOut = join(outDir, "cli");
  const srcCli = join(root, "src", "cli");
  // Every source file keeps its own import.meta.url as if it were still the tsc output file
  // (dist/cli/commands/x.js …): code that finds package.json or templates/ relative to itself
  // keeps working whichever chunk esbuild puts it in, since every chunk lives in dist/cli/.
  const importMetaUrl = {
    name: "import-meta-url-per-source",
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
        const source = readFileSync(args.path, "utf8");
        if (!source.includes("import.meta.url")) return undefined;
        const asDist = relative(srcCli, args.path).replace(/\\/g, "/").replace(/\.ts$/, ".js");
        return { contents: source.replaceAll("import.meta.url", `new URL(${JSON.stringify(asDist)}, import.meta.url).href`), loader: "ts" };
      });
    },
  };
  // the tsc output of the CLI is replaced by the bundle (nothing imports dist/cli: the library is dist/index.js)
  rmSync(cliOut, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: "src/cli/main.ts" },
    outdir: cliOut,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    sourcemap: "linked",
    chunkNames: "chunk-[hash]",
    legalComments: "external",
    // CommonJS dependencies (commander, …) call require() for Node built-ins; ESM has none, so give each file one
    banner: { js: 'import { createRequire as __regcertCreateRequire } from "node:module"; const require = __regcertCreateRequire(import.meta.url);' },
    plugins: [importMetaUrl],
    logLevel: "warning",
  });
  const shebang = readFileSync(join(cliOut, "main.js"), "utf8").startsWith("#!");
  if (!shebang) throw new Error("build: the bundled dist/cli/main.js lost its #! line");
  if (process.env.REGCERT_BUILD_VERBOSE === "1") console.log(readdirSync(cliOut).join("\n"));
}
chmodSync(join(outDir, "cli", "main.js"), 0o755);
