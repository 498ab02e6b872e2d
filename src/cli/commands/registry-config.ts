/**
 * regcert registry-config: the registry server's config in its own format and how to run it
 * (src/registry): distribution v3 (default, registry:3), distribution-2 (registry:2 / Debian's
 * docker-registry), zot (config.json), Harbor (harbor.yml for its installer). parse -> render -> write -> print.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { findConflicts, writeFilesAtomic, type FilePlan } from "../../files/write.js";
import { userError } from "../../pki/errors.js";
import { renderComposeKit, renderSystemdConfig, stepLine, type InstallStep } from "../../registry/config.js";
import { existingHarborSecrets, renderHarborYml } from "../../registry/harbor.js";
import { parseListen, parseServerKind, SERVER_IMAGES, type ListenAddress, type ServerKind } from "../../registry/servers.js";
import { renderZotCompose, renderZotSystemd } from "../../registry/zot.js";
import { shellLine, shellQuote } from "../../text/shell.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import type { Context } from "../context.js";
import { parseBaseName, parseWholeNumber } from "../options.js";
import { displayPath } from "../paths.js";

export interface RegistryConfigFlags {
  server?: string;
  out?: string;
  name?: string;
  port?: string;
  listen?: string;
  hostname?: string;
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

const readIfFile = (path: string): string | undefined => (isFile(path) ? readFileSync(path, "utf8") : undefined);

/** A random secret: 32 bytes, base64url (43 characters). */
const newSecret = (): string => randomBytes(32).toString("base64url");

/** http.secret of an existing distribution config.yml, so a re-run keeps it (replicas must share it). */
function existingHttpSecret(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  const secret = doc.getIn(["http", "secret"]);
  return typeof secret === "string" && /^[A-Za-z0-9_-]{32,}$/.test(secret) ? secret : undefined;
}

/** Warnings about inputs the registry will need; rendering does not depend on them. */
function checkInputs(ctx: Context, certsDir: string, name: string, htpasswd: string, flags: RegistryConfigFlags): void {
  for (const file of [`${name}.crt`, `${name}.key`, ...(flags.mtls ? ["ca.crt"] : [])]) {
    const path = join(certsDir, file);
    if (!isFile(path)) ctx.ui.warn(`${displayPath(path, ctx.cwd)} does not exist yet: the registry will not start without it (${shellLine(["regcert", "issue", "--name", name, "--out", displayPath(certsDir, ctx.cwd)])})`);
  }
  if (flags.auth && !isFile(htpasswd)) {
    ctx.ui.warn(`${displayPath(htpasswd, ctx.cwd)} does not exist yet: the registry would create it with a user "docker" and a random password printed in its log; add users first with: ${shellLine(["regcert", "htpasswd", "USER", "--file", displayPath(htpasswd, ctx.cwd)])}`);
  }
}

/** Flags that do not apply to a server: exit 2 before anything is read or written. */
function refuseInapplicable(server: ServerKind, flags: RegistryConfigFlags): void {
  if (server === "harbor") {
    if (flags.auth) throw userError("regcert.notForServer", "--auth does not apply to Harbor: it has its own user database", "drop --auth; log in as admin (harbor_admin_password in harbor.yml) and add users there");
    if (flags.mtls) throw userError("regcert.notForServer", "--mtls does not apply to Harbor: harbor.yml has no client-certificate setting", "drop --mtls, or use --server distribution or zot");
    if (flags.systemd) throw userError("regcert.notForServer", "--systemd does not apply to Harbor: its installer (install.sh) runs it with its own compose file", "drop --systemd");
    if (flags.listen !== undefined) throw userError("regcert.notForServer", "--listen does not apply to Harbor: its installer publishes https.port on every interface", "drop --listen; use --port for https.port");
    if (flags.hostname === undefined) throw userError("regcert.missingHostname", "--server harbor needs --hostname: the name clients use (it must be in the certificate)", "e.g. --hostname registry.local");
  } else if (flags.hostname !== undefined) {
    throw userError("regcert.conflictingFlags", "--hostname only applies with --server harbor", "drop --hostname (the registry answers on every name in its certificate)");
  }
  if (flags.etcDir && !flags.systemd) throw userError("regcert.conflictingFlags", "--etc-dir only applies with --systemd", "add --systemd, or drop --etc-dir");
}

/** Writes the plan unless a file exists with other content and --force is not given (nothing half-written). */
function writeKit(ctx: Context, plan: FilePlan, force: boolean, keeps: string): void {
  const conflicts = findConflicts(plan);
  if (conflicts.length > 0 && !force) {
    const list = conflicts.map((p) => displayPath(p, ctx.cwd)).join(", ");
    throw userError("regcert.fileExists", `${list} already exist${conflicts.length === 1 ? "s" : ""} with other content; registry-config does not replace a config without --force`, `re-run with --force to replace ${conflicts.length === 1 ? "it" : "them"}${keeps}, or choose another --out`);
  }
  writeFilesAtomic(plan, { force: true });
}

function printSteps(ctx: Context, install: InstallStep[], restart: string[]): void {
  ctx.ui.info("Put the files in place (as root) and start the service:");
  for (const step of install) ctx.ui.info(`  sudo ${stepLine(step)}`);
  ctx.ui.info(`  sudo ${shellLine(restart)}`);
}

export async function run(ctx: Context, flags: RegistryConfigFlags): Promise<void> {
  const server = parseServerKind(flags.server);
  refuseInapplicable(server, flags);
  const name = parseBaseName(flags.name, "registry");
  const listen: ListenAddress | undefined = flags.listen === undefined ? undefined : parseListen(flags.listen);
  const port = flags.port === undefined ? undefined : parseWholeNumber(flags.port, "--port", 5000);
  const outDir = resolve(ctx.cwd, flags.out ?? ".");
  const certsDir = resolve(ctx.cwd, flags.certs ?? "certs");
  const htpasswd = resolve(ctx.cwd, flags.htpasswd ?? "auth/htpasswd");
  if (existsSync(htpasswd) && !isFile(htpasswd)) throw userError("regcert.notFile", `${displayPath(htpasswd, ctx.cwd)} is a directory: auth.htpasswd.path must name a file`, "e.g. --htpasswd auth/htpasswd (regcert htpasswd USER creates it)");
  const base = { name, ...(port === undefined ? {} : { port }), ...(listen ? { listen } : {}), auth: flags.auth === true, mtls: flags.mtls === true };
  const shownPort = listen?.port ?? port ?? (server === "harbor" ? 443 : 5000);
  const check = `Check it:  ${shellLine(["regcert", "check", `${server === "harbor" ? flags.hostname : "HOST"}:${shownPort}`])}`;

  if (server === "harbor") {
    const harborPath = join(outDir, "harbor.yml");
    const kept = existingHarborSecrets(readIfFile(harborPath));
    const yml = renderHarborYml({
      hostname: flags.hostname as string,
      port: shownPort,
      certificate: join(certsDir, `${name}.crt`),
      privateKey: join(certsDir, `${name}.key`),
      ...(flags.data ? { dataVolume: resolve(ctx.cwd, flags.data) } : {}),
      adminPassword: kept.adminPassword ?? newSecret(),
      databasePassword: kept.databasePassword ?? newSecret(),
    });
    checkInputs(ctx, certsDir, name, htpasswd, flags);
    writeKit(ctx, [{ path: harborPath, contents: yml, mode: 0o600, label: "harbor.yml" }], flags.force === true, " (its passwords are kept)");
    if (ctx.ui.json) {
      ctx.ui.result({ command: "registry-config", server, target: "installer", files: [harborPath] });
      return;
    }
    ctx.ui.info(`Wrote ${displayPath(harborPath, ctx.cwd)} for Harbor's installer (https on ${shownPort}, ${sanitizeForTerminal(flags.hostname as string)}; mode 0600: it holds the admin and database passwords)`);
    ctx.ui.info("Copy it next to Harbor's install.sh and run: sudo ./install.sh");
    ctx.ui.info(`Every client needs the CA: ${shellLine(["regcert", "install-trust", "--host", shownPort === 443 ? (flags.hostname as string) : `${flags.hostname}:${shownPort}`])}`);
    ctx.ui.info(check);
    return;
  }

  checkInputs(ctx, certsDir, name, htpasswd, flags);
  const sources = { sourceCertsDir: displayPath(certsDir, ctx.cwd), sourceHtpasswd: displayPath(htpasswd, ctx.cwd) };

  if (server === "zot") {
    const configPath = join(outDir, "config.json");
    if (flags.systemd) {
      const kit = renderZotSystemd({ ...base, ...(flags.etcDir ? { etcDir: resolve(ctx.cwd, flags.etcDir) } : {}), ...(flags.data ? { dataDir: resolve(ctx.cwd, flags.data) } : {}), ...sources, sourceConfig: displayPath(configPath, ctx.cwd) });
      const unitPath = join(outDir, kit.unit.name);
      writeKit(ctx, [{ path: configPath, contents: kit.configJson, mode: 0o644, label: "zot config" }, { path: unitPath, contents: kit.unit.text, mode: 0o644, label: "systemd unit" }], flags.force === true, "");
      if (ctx.ui.json) {
        ctx.ui.result({ command: "registry-config", server, target: "systemd", files: [configPath, unitPath], paths: kit.paths, install: kit.install.map((s) => ({ argv: s.argv, why: s.why })), restart: kit.restart });
        return;
      }
      ctx.ui.info(`Wrote ${displayPath(configPath, ctx.cwd)} (for ${kit.paths.config}) and ${displayPath(unitPath, ctx.cwd)} for zot (${describe(base, shownPort)})`);
      ctx.ui.info("");
      printSteps(ctx, kit.install, kit.restart);
      ctx.ui.info(check);
      return;
    }
    const kit = renderZotCompose({ ...base, ...composePaths(ctx, outDir, certsDir, htpasswd, flags) });
    const composePath = join(outDir, "docker-compose.yml");
    writeKit(ctx, [{ path: configPath, contents: kit.configJson, mode: 0o644, label: "zot config" }, { path: composePath, contents: kit.composeYml, mode: 0o644, label: "compose file" }], flags.force === true, "");
    reportCompose(ctx, server, outDir, configPath, composePath, kit.dockerRun, describe(base, shownPort), check);
    return;
  }

  // distribution (v3) and distribution-2: one YAML format; http.secret written once and kept
  const configPath = join(outDir, "config.yml");
  const secret = existingHttpSecret(readIfFile(configPath)) ?? newSecret();
  const keeps = " (the http.secret in config.yml is kept)";
  if (flags.systemd) {
    const kit = renderSystemdConfig(readTemplate("debian-config.yml"), {
      ...base,
      server,
      secret,
      ...(flags.etcDir ? { etcDir: resolve(ctx.cwd, flags.etcDir) } : {}),
      ...(flags.data ? { dataDir: resolve(ctx.cwd, flags.data) } : {}),
      ...sources,
      sourceConfig: displayPath(configPath, ctx.cwd),
    });
    const files: FilePlan = [{ path: configPath, contents: kit.configYml, mode: 0o600, label: "registry config" }];
    if (kit.unit) files.push({ path: join(outDir, kit.unit.name), contents: kit.unit.text, mode: 0o644, label: "systemd unit" });
    writeKit(ctx, files, flags.force === true, keeps);
    if (ctx.ui.json) {
      ctx.ui.result({ command: "registry-config", server, target: "systemd", files: files.map((f) => f.path), paths: kit.paths, install: kit.install.map((s) => ({ argv: s.argv, why: s.why })), restart: kit.restart });
      return;
    }
    const what = server === "distribution" ? "distribution v3 (binary install; the unit sets OTEL_TRACES_EXPORTER=none)" : "Debian's docker-registry service";
    ctx.ui.info(`Wrote ${files.map((f) => displayPath(f.path, ctx.cwd)).join(" and ")} for ${what}, to go to ${kit.paths.config} (${describe(base, shownPort)})`);
    ctx.ui.info("");
    printSteps(ctx, kit.install, kit.restart);
    ctx.ui.info(check);
    return;
  }

  const kit = renderComposeKit({ config: readTemplate("config.yml"), compose: readTemplate("docker-compose.yml") }, { ...base, server, secret, ...composePaths(ctx, outDir, certsDir, htpasswd, flags) });
  const composePath = join(outDir, "docker-compose.yml");
  writeKit(ctx, [{ path: configPath, contents: kit.configYml, mode: 0o600, label: "registry config" }, { path: composePath, contents: kit.composeYml, mode: 0o644, label: "compose file" }], flags.force === true, keeps);
  reportCompose(ctx, server, outDir, configPath, composePath, kit.dockerRun, describe(base, shownPort), check);
}

function composePaths(ctx: Context, outDir: string, certsDir: string, htpasswd: string, flags: RegistryConfigFlags) {
  return {
    certsDir: relative(outDir, certsDir) || ".",
    authDir: relative(outDir, dirname(htpasswd)) || ".",
    htpasswdFile: basename(htpasswd),
    ...(flags.data ? { dataDir: relative(outDir, resolve(ctx.cwd, flags.data)) || "." } : {}),
  };
}

function reportCompose(ctx: Context, server: ServerKind, outDir: string, configPath: string, composePath: string, dockerRun: string, description: string, check: string): void {
  if (ctx.ui.json) {
    ctx.ui.result({ command: "registry-config", server, target: "compose", image: SERVER_IMAGES[server as keyof typeof SERVER_IMAGES], files: [configPath, composePath], dockerRun });
    return;
  }
  ctx.ui.info(`Wrote ${displayPath(configPath, ctx.cwd)} and ${displayPath(composePath, ctx.cwd)} for ${SERVER_IMAGES[server as keyof typeof SERVER_IMAGES]} (${description})`);
  ctx.ui.info("");
  const cd = outDir === ctx.cwd ? "" : `cd ${shellQuote(displayPath(outDir, ctx.cwd))} && `;
  ctx.ui.info(`Start it:  ${cd}docker compose up -d`);
  ctx.ui.info(`or:        ${cd}${dockerRun}`);
  ctx.ui.info(check);
}

function describe(o: { auth: boolean; mtls: boolean; listen?: ListenAddress }, port: number): string {
  const where = o.listen?.host === undefined ? `port ${port}` : `listening on ${o.listen.host.includes(":") ? `[${o.listen.host}]` : o.listen.host}:${port}`;
  return ["TLS", o.auth ? "htpasswd auth" : undefined, o.mtls ? "client certificates required" : undefined, "delete enabled", where].filter(Boolean).join(", ");
}
