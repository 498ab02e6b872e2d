/** regcert registry-config: config.yml + docker-compose.yml for registry:2, or the Debian service's config. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFilesAtomic } from "../../files/write.js";
import { userError } from "../../pki/errors.js";
import { renderComposeKit, renderSystemdConfig, shellQuote, stepLine } from "../../registry/config.js";
import type { Context } from "../context.js";
import { parseBaseName, parseWholeNumber } from "../options.js";
import { displayPath } from "../paths.js";

export interface RegistryConfigFlags {
  out?: string;
  name?: string;
  port?: string;
  auth?: boolean;
  mtls?: boolean;
  data?: string;
  systemd?: boolean;
  etcDir?: string;
  certs?: string;
  htpasswd?: string;
  force?: boolean;
}

/** templates/ ships beside dist/ (package.json "files"); this file is dist/cli/commands/registry-config.js. */
function readTemplate(name: string): string {
  const path = fileURLToPath(new URL(`../../../templates/${name}`, import.meta.url));
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`template ${path} is missing (${(error as NodeJS.ErrnoException).code ?? String(error)}); the installation is incomplete`);
  }
}

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** Warnings about inputs the registry will need; rendering does not depend on them. */
function checkInputs(ctx: Context, certsDir: string, name: string, htpasswd: string, flags: RegistryConfigFlags): void {
  for (const file of [`${name}.crt`, `${name}.key`, ...(flags.mtls ? ["ca.crt"] : [])]) {
    const path = join(certsDir, file);
    if (!isFile(path)) ctx.ui.warn(`${displayPath(path, ctx.cwd)} does not exist yet: the registry will not start without it (regcert issue --name ${name} --out ${displayPath(certsDir, ctx.cwd)})`);
  }
  if (flags.auth && !isFile(htpasswd)) {
    ctx.ui.warn(`${displayPath(htpasswd, ctx.cwd)} does not exist yet: the registry would create it with a user "docker" and a random password printed in its log; add users first with: regcert htpasswd USER --file ${displayPath(htpasswd, ctx.cwd)}`);
  }
}

export async function run(ctx: Context, flags: RegistryConfigFlags): Promise<void> {
  const name = parseBaseName(flags.name, "registry");
  const port = parseWholeNumber(flags.port, "--port", 5000);
  const outDir = resolve(ctx.cwd, flags.out ?? ".");
  const certsDir = resolve(ctx.cwd, flags.certs ?? "certs");
  const htpasswd = resolve(ctx.cwd, flags.htpasswd ?? "auth/htpasswd");
  if (flags.etcDir && !flags.systemd) throw userError("regcert.conflictingFlags", "--etc-dir only applies with --systemd", "add --systemd, or drop --etc-dir");
  if (existsSync(htpasswd) && !isFile(htpasswd)) throw userError("regcert.notFile", `${displayPath(htpasswd, ctx.cwd)} is a directory: auth.htpasswd.path must name a file`, "e.g. --htpasswd auth/htpasswd (regcert htpasswd USER creates it)");
  checkInputs(ctx, certsDir, name, htpasswd, flags);
  const configPath = join(outDir, "config.yml");
  const base = { name, port, auth: flags.auth === true, mtls: flags.mtls === true };

  if (flags.systemd) {
    const kit = renderSystemdConfig(readTemplate("debian-config.yml"), {
      ...base,
      ...(flags.etcDir ? { etcDir: resolve(ctx.cwd, flags.etcDir) } : {}),
      ...(flags.data ? { dataDir: resolve(ctx.cwd, flags.data) } : {}),
      sourceCertsDir: displayPath(certsDir, ctx.cwd),
      sourceHtpasswd: displayPath(htpasswd, ctx.cwd),
      sourceConfig: displayPath(configPath, ctx.cwd),
    });
    writeFilesAtomic([{ path: configPath, contents: kit.configYml, mode: 0o644, label: "registry config", keepOwner: true }], { force: flags.force === true, existsHint: configExistsHint(ctx, configPath) });
    if (ctx.ui.json) {
      ctx.ui.result({ command: "registry-config", target: "systemd", files: [configPath], paths: kit.paths, install: kit.install.map((s) => ({ argv: s.argv, why: s.why })), restart: kit.restart });
      return;
    }
    ctx.ui.info(`Wrote ${displayPath(configPath, ctx.cwd)} for Debian's docker-registry service (${describe(base)})`);
    ctx.ui.info("");
    ctx.ui.info("Put the files in place (as root) and restart the service:");
    for (const step of kit.install) ctx.ui.info(`  sudo ${stepLine(step)}`);
    ctx.ui.info(`  sudo ${kit.restart.join(" ")}`);
    ctx.ui.info(`Check it: regcert check <host>:${port}`);
    return;
  }

  const kit = renderComposeKit(
    { config: readTemplate("config.yml"), compose: readTemplate("docker-compose.yml") },
    {
      ...base,
      certsDir: relative(outDir, certsDir) || ".",
      authDir: relative(outDir, dirname(htpasswd)) || ".",
      htpasswdFile: basename(htpasswd),
      hostDir: outDir,
      ...(flags.data ? { dataDir: relative(outDir, resolve(ctx.cwd, flags.data)) || "." } : {}),
    },
  );
  const composePath = join(outDir, "docker-compose.yml");
  writeFilesAtomic(
    [
      { path: configPath, contents: kit.configYml, mode: 0o644, label: "registry config" },
      { path: composePath, contents: kit.composeYml, mode: 0o644, label: "compose file" },
    ],
    { force: flags.force === true, existsHint: configExistsHint(ctx, configPath) },
  );
  if (ctx.ui.json) {
    ctx.ui.result({ command: "registry-config", target: "compose", files: [configPath, composePath], dockerRun: kit.dockerRun });
    return;
  }
  ctx.ui.info(`Wrote ${displayPath(configPath, ctx.cwd)} and ${displayPath(composePath, ctx.cwd)} (${describe(base)})`);
  ctx.ui.info("");
  const cd = outDir === ctx.cwd ? "" : `cd ${shellQuote(displayPath(outDir, ctx.cwd))} && `;
  ctx.ui.info(`Start it:  ${cd}docker compose up -d`);
  ctx.ui.info(`or:        ${kit.dockerRun}`);
  ctx.ui.info(`Check it:  regcert check <host>:${port}`);
}

/** An edited config.yml is in the way: no key is involved, and --name is not that file's name. */
function configExistsHint(ctx: Context, configPath: string): string {
  return `compare it with what this run would write, then re-run with --force to replace it (edits in it are then gone), or write elsewhere with --out DIR (now ${displayPath(dirname(configPath), ctx.cwd) || "."})`;
}

function describe(o: { port: number; auth: boolean; mtls: boolean }): string {
  return ["TLS", o.auth ? "htpasswd auth" : undefined, o.mtls ? "client certificates required" : undefined, "delete enabled", `port ${o.port}`].filter(Boolean).join(", ");
}
