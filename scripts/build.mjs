// Build: compile src/ to dist/ with tsc (the library: dist/index.js + .d.ts), then bundle the CLI with
// esbuild and make it executable. Runs on `npm ci` (prepare) so `npx regcert …` works right after install.
// REGCERT_DIST=dist-x builds elsewhere (parallel work trees); tests then find it through the same variable.
//
// The CLI as built here (measured in bench/RESULTS.md; each step was kept because it measurably cut
// start-up on Node 20):
//   dist/cli/regcert.cjs        the front: commander, every command's definition (src/cli/defs), run/main
//                               and what they import, in one minified CommonJS file (~100 KB). One file
//                               instead of ~100 module reads/resolutions, and no ESM loader (which alone costs
//                               more than `node -e 0`'s difference to an empty CommonJS script). `--help`
//                               loads only this.
//   dist/cli/regcert-<group>.cjs the command implementations (issue: issue/init-ca/sign; commands: the rest),
//                               required by the front when an action runs; inside, each command stays lazy
//                               (esbuild turns `import()` into an init function run only when it is called).
//   dist/cli/*.cjs.cache        V8's code cache of each bundle, made here by a run that uses it (`--help`, a
//                               first-use `issue`, `status`), so a run skips parsing and compiling. Node 20 has
//                               no module compile cache (module.enableCompileCache is Node 22), hence node:vm.
//                               A cache from another V8 is rejected by V8 itself and the bundle is compiled
//                               as usual: never wrong, only slower.
//   dist/cli/main.js            the bin (loader): reads a bundle and its cache, runs it; never writes
//                               (CommonJS: dist/cli/package.json).
// REGCERT_MINIFY=0 keeps names (for --cpu-prof).
// REGCERT_NO_BUNDLE=1 (or esbuild missing) leaves the plain tsc output as the CLI.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

// The CLI is split in bundles, so a run compiles (or reads the code cache of) only what it executes:
//   regcert.cjs           the front: commander, the command definitions (src/cli/defs), run/main, error
//                         printing and the modules they import statically (~100 KB). `--help` loads only this.
//   regcert-<group>.cjs   the command implementations, loaded by the front when an action runs (issue:
//                         the first-use path issue/init-ca/sign; commands: every other command).
// A module lives in exactly one bundle: the command bundles take every module the front already holds
// (src/pki/errors.ts, src/files/write.ts, commander …) from the front's exports, so `instanceof
// RegcertError` in the error printer, the pending-temp-file set cleaned on Ctrl-C and prompts' state are
// the same objects in every bundle. Each bundle file is wrapped in its CommonJS function text at build time
// (no string concatenation of a megabyte at run time) and is pure ASCII, so the loader reads it as latin1.
const COMMAND_GROUPS = { issue: ["issue", "init-ca", "sign"] };
const DEFAULT_GROUP = "commands";
const WRAP_HEAD = "(function (exports, require, module, __filename, __dirname) {";
const WRAP_TAIL = "\n})";

function loaderText(bundleOfCommand) {
  return `#!/usr/bin/env node
// The regcert bin: runs the bundled CLI. regcert.cjs (the front: commander and every command's
// definition) is compiled from the V8 code cache made at build time (regcert.cjs.cache); the bundle
// holding a command's code (regcert-<group>.cjs, with its own cache) is loaded only when that command
// runs. A cache made by another Node/V8 is rejected by V8 and the bundle is compiled as usual; nothing is
// written at run time (dist/ may be read-only). See scripts/build.mjs.
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const BUNDLE_OF_COMMAND = ${JSON.stringify(bundleOfCommand)};
const nodeRequire = createRequire(join(__dirname, "regcert.cjs"));
const loaded = new Map();

// the require every bundle gets: "regcert:front" is the front's exports (the modules it shares),
// "regcert:command" loads a command's module; anything else is node's own require
function bundleRequire(id) {
  if (id === "regcert:front") return loadBundle("regcert.cjs");
  if (id === "regcert:command") return loadCommand;
  return nodeRequire(id);
}
bundleRequire.resolve = nodeRequire.resolve;
bundleRequire.cache = nodeRequire.cache;

function loadCommand(name) {
  const file = BUNDLE_OF_COMMAND[name];
  if (!file) throw new Error("no bundle holds the command " + name);
  return loadBundle(file).commands[name]();
}

function loadBundle(name) {
  const done = loaded.get(name);
  if (done) return done.exports;
  const file = join(__dirname, name);
  let cachedData;
  try {
    cachedData = readFileSync(file + ".cache");
  } catch {
    cachedData = undefined;
  }
  // the file is ASCII and already wrapped in (function (exports, require, module, __filename, __dirname) {…})
  const script = new Script(readFileSync(file, "latin1"), { filename: file, cachedData });
  // build step only: scripts/build.mjs sets these to write a bundle's cache after one real run
  const cacheDir = process.env.REGCERT_WRITE_CODE_CACHE;
  if (cacheDir && (process.env.REGCERT_CODE_CACHE_FOR || "").split(",").includes(name)) {
    process.once("exit", () => writeFileSync(join(cacheDir, name + ".cache"), script.createCachedData()));
  }
  const module = { exports: {} };
  loaded.set(name, module);
  script.runInThisContext()(module.exports, bundleRequire, module, file, __dirname);
  return module.exports;
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // commander's answer (program.ts reads the same package.json), without loading the CLI at all
  process.stdout.write(require("../../package.json").version + "\\n");
} else {
  loadBundle("regcert.cjs");
}
`;
}

const esbuild = await loadEsbuild();
if (esbuild) {
  const cliOut = join(outDir, "cli");
  const srcCli = join(root, "src", "cli");
  const rel = (path) => relative(root, path).replace(/\\/g, "/");
  // Every source file keeps its own import.meta.url as if it were still the tsc output file
  // (dist/cli/commands/x.js …), so code that finds package.json or templates/ relative to itself keeps
  // working inside the bundle files, which live in dist/cli/. In the front, the command definitions'
  // `import("../commands/x.js")` become a call of the loader's "regcert:command" (the command's bundle).
  const sourceTransform = (front) => ({
    name: "source-transform",
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
        let source = readFileSync(args.path, "utf8");
        let changed = false;
        if (front && /[\\/]src[\\/]cli[\\/]defs[\\/]/.test(args.path)) {
          source = source.replace(/import\("\.\.\/commands\/([a-z0-9-]+)\.js"\)/g, (_, name) => {
            changed = true;
            return `Promise.resolve().then(() => require("regcert:command")(${JSON.stringify(name)}))`;
          });
        }
        if (source.includes("import.meta.url")) {
          const asDist = relative(srcCli, args.path).replace(/\\/g, "/").replace(/\.ts$/, ".js");
          const url = `new URL(${JSON.stringify(asDist)}, require("node:url").pathToFileURL(__filename)).href`;
          source = source.replaceAll("import.meta.url", url);
          changed = true;
        }
        return changed ? { contents: source, loader: "ts" } : undefined;
      });
      build.onResolve({ filter: /^regcert:/ }, (args) => ({ path: args.path, external: true }));
    },
  });
  // node:crypto and node:child_process cost several ms to initialise (child_process pulls in net, dgram
  // and streams) and `--help`/`--version` need neither: commander requires child_process only for
  // external subcommands, and most commands touch crypto late. Each import of them becomes a proxy that
  // requires the real module on first use. node:net likewise, and its isIP/isIPv4/isIPv6 (all that
  // names.ts and verify use it for on the issue path) come from scripts/net-ip.cjs without loading it. Its keys are the module's export names as of this build,
  // listed without loading it, because esbuild's ESM interop enumerates them when a module is imported.
  // (The issue bundle always uses node:crypto, so there it is a plain require: a proxy would only add
  // esbuild's interop copy of its ~70 exports into every importing module.)
  const lazyBuiltinsFor = (names) => ({
    name: "lazy-builtins",
    setup(build) {
      build.onResolve({ filter: new RegExp(`^(node:)?(${names.join("|")})$`) }, (args) =>
        args.namespace === "lazy-builtin" ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
      );
      build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
        loader: "js",
        resolveDir: join(root, "scripts"),
        contents: `let real;
const load = () => (real ??= require("node:${args.path}"));
const names = ${JSON.stringify(Object.keys(require(`node:${args.path}`)))};
const own = ${args.path === "net" ? 'require("./net-ip.cjs")' : "{}"};
module.exports = new Proxy({}, {
  get: (_, key) => (Object.hasOwn(own, key) ? own[key] : load()[key]),
  has: (_, key) => names.includes(key) || key in load(),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_, key) => (names.includes(key) ? { configurable: true, enumerable: true, get: () => (Object.hasOwn(own, key) ? own[key] : load()[key]) } : undefined),
});`,
      }));
    },
  });
  const lazyBuiltins = lazyBuiltinsFor(["crypto", "child_process", "net"]);
  const virtualEntry = (contents) => ({
    name: "virtual-entry",
    setup(build) {
      build.onResolve({ filter: /^regcert-entry$/ }, () => ({ path: "regcert-entry", namespace: "regcert-entry" }));
      build.onLoad({ filter: /.*/, namespace: "regcert-entry" }, () => ({ contents, loader: "js", resolveDir: root }));
    },
  });
  const common = {
    absWorkingDir: root,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    // REGCERT_MINIFY=0: names kept for --cpu-prof (same split, same caches; whitespace and comments go)
    ...(process.env.REGCERT_MINIFY === "0" ? { minifyWhitespace: true } : { minify: true }),
    charset: "ascii",
    logLevel: "warning",
    // program.ts's version without reading package.json at run time (the package ships both together)
    define: { __REGCERT_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version) },
  };

  // 1. what the front holds: the static import closure of main.ts (dynamic imports, e.g. prompts, stay
  //    lazy inside it and are not shared)
  const probe = await esbuild.build({ ...common, entryPoints: ["src/cli/main.ts"], write: false, outfile: join(cliOut, "probe.cjs"), metafile: true, plugins: [lazyBuiltins, sourceTransform(true)] });
  const inputs = probe.metafile.inputs;
  const shared = [];
  for (const stack = ["src/cli/main.ts"], seen = new Set(); stack.length; ) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.includes(":")) shared.push(file);
    for (const i of inputs[file]?.imports ?? []) if (i.kind !== "dynamic-import" && !i.external) stack.push(i.path);
  }
  const leaked = Object.keys(inputs).filter((f) => f.startsWith("src/cli/commands/"));
  if (leaked.length > 0) throw new Error(`build: the front bundle would hold command code (${leaked.join(", ")}): defs must import commands as import("../commands/x.js")`);
  const exportName = new Map(shared.map((file, i) => [file, `m${i}`]));

  // 2. the front: main.ts first (so modules initialise in the same order as before), then every shared
  //    module's namespace as an export for the command bundles
  rmSync(cliOut, { recursive: true, force: true });
  const frontEntry = [`import ${JSON.stringify(join(root, "src/cli/main.ts"))};`, ...shared.map((file) => `export * as ${exportName.get(file)} from ${JSON.stringify(join(root, file))};`)].join("\n");
  // `prompts` (90 KB, two copies inside for old and new Node) is only needed by a person at a terminal:
  // the front requires it from node_modules (a dependency) when a question is asked, instead of carrying it
  const bundles = [{ name: "regcert.cjs", entry: frontEntry, plugins: [lazyBuiltins, sourceTransform(true)], external: ["prompts"] }];

  // 3. the command bundles: `commands[name]()` imports a command (lazily, inside the bundle); a module the
  //    front holds is taken from it
  const commandNames = readdirSync(join(srcCli, "commands")).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3));
  const groupOf = (name) => Object.keys(COMMAND_GROUPS).find((g) => COMMAND_GROUPS[g].includes(name)) ?? DEFAULT_GROUP;
  const fromFront = {
    name: "from-front",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData?.fromFront || args.namespace === "lazy-builtin" || args.path.startsWith("regcert:")) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, namespace: args.namespace, pluginData: { fromFront: true } });
        if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== "file") return undefined;
        const name = exportName.get(rel(resolved.path));
        return name ? { path: name, namespace: "from-front" } : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: "from-front" }, (args) => ({ contents: `module.exports = require("regcert:front").${args.path};`, loader: "js" }));
    },
  };
  const bundleOfCommand = {};
  for (const group of new Set(commandNames.map(groupOf))) {
    const members = commandNames.filter((name) => groupOf(name) === group);
    for (const name of members) bundleOfCommand[name] = `regcert-${group}.cjs`;
    const entry = `export const commands = {\n${members.map((name) => `  ${JSON.stringify(name)}: () => import(${JSON.stringify(join(srcCli, "commands", `${name}.ts`))}),`).join("\n")}\n};`;
    const lazy = group === "issue" ? lazyBuiltinsFor(["child_process", "net"]) : lazyBuiltins;
    bundles.push({ name: `regcert-${group}.cjs`, entry, plugins: [lazy, fromFront, sourceTransform(false)] });
  }
  for (const bundle of bundles) {
    const file = join(cliOut, bundle.name);
    await esbuild.build({
      ...common,
      entryPoints: ["regcert-entry"],
      outfile: file,
      sourcemap: "linked",
      legalComments: "external",
      banner: { js: WRAP_HEAD },
      footer: { js: WRAP_TAIL },
      plugins: [virtualEntry(bundle.entry), ...bundle.plugins],
      external: bundle.external ?? [],
      // import() of an external package must become require(): vm.Script has no ESM loader
      supported: { "dynamic-import": false },
    });
    // charset "ascii" escapes every string, identifier and regexp, but not the text of a tagged template
    // (its raw strings must stay as written): escape what is left, so the cooked strings (all our tags
    // read) are unchanged and the file is ASCII
    const text = readFileSync(file, "utf8");
    if (/[^\x00-\x7f]/.test(text)) {
      if (/\\[^\x00-\x7f]/.test(text)) throw new Error(`build: ${bundle.name}: a backslash precedes a non-ASCII character; cannot escape it`);
      writeFileSync(file, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
    }
  }
  writeFileSync(join(cliOut, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  writeFileSync(join(cliOut, "main.js"), loaderText(bundleOfCommand));
  chmodSync(join(cliOut, "main.js"), 0o755);
  writeCodeCaches(cliOut);
}
chmodSync(join(outDir, "cli", "main.js"), 0o755);

/**
 * V8 code caches, each made by a run that uses its bundle the way users do: the front by `--help`, the
 * issue bundle by a first-use `issue` in a temp home, the other commands by `status` on that home.
 */
function writeCodeCaches(cliOut) {
  const work = mkdtempSync(join(tmpdir(), "regcert-build-"));
  const home = join(work, "home");
  const runs = [
    ["regcert.cjs", ["--help"]],
    ["regcert-issue.cjs", ["--home", home, "--yes", "--quiet", "issue", "--dns", "cache.example", "--ip", "192.0.2.1", "--out", join(work, "certs")]],
    ["regcert-commands.cjs", ["--home", home, "--yes", "status"]],
  ];
  try {
    for (const [bundle, args] of runs) {
      const cacheFile = join(cliOut, `${bundle}.cache`);
      const env = { ...process.env, REGCERT_WRITE_CODE_CACHE: cliOut, REGCERT_CODE_CACHE_FOR: bundle, NODE_OPTIONS: "" };
      const run = spawnSync(process.execPath, [join(cliOut, "main.js"), ...args], { cwd: work, env, encoding: "utf8" });
      if (run.status !== 0 || !existsSync(cacheFile)) {
        rmSync(cacheFile, { force: true });
        console.warn(`build: no code cache for ${bundle} (the CLI run failed: ${(run.stderr || "").trim().split("\n")[0]}); the CLI works, with a slower start`);
      }
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
