/**
 * distribution's configuration from the data files in templates/: config.yml + docker-compose.yml for
 * the registry:3 image (default; mounted at /etc/distribution/config.yml) or registry:2 (mounted at
 * /etc/docker/registry/config.yml), /etc/docker/registry/config.yml for Debian's docker-registry 2.8
 * service, or a binary install of v3 with its systemd unit (OTEL_TRACES_EXPORTER=none set there, as the
 * image does). Facts: src/registry/servers.ts.
 * Pure: the caller reads the templates and writes the results. Values go into the parsed YAML
 * document (the yaml library quotes them), never into YAML text, so a path or realm holding ':',
 * '#' or a newline cannot change the file's structure; the templates' comments are kept.
 */
import { posix } from "node:path";
import { type Document, isMap, isScalar, parseDocument, type YAMLMap } from "yaml";
import { opt, phrase, userError } from "../pki/errors.js";
import { shellQuote } from "../text/shell.js";
import { dockerRunLine, keyPairSteps, portScalar, publishedPort, registryVolumes, serviceUnit, serviceUserSteps, unitSteps, type InstallStep, type ServiceInstallOptions } from "./deploy-text.js";
import { CONFIG_MOUNTS, CONTAINER_PORTS, listenText, SERVER_IMAGES, type ListenAddress } from "./servers.js";

export type { InstallStep } from "./deploy-text.js";

/** The two distribution generations this module renders. */
export type DistributionKind = "distribution" | "distribution-2";

/** What to serve and how; the same options drive both targets. */
export interface RegistryConfigOptions {
  /** file stem of the certificate and key (`issue --name`): NAME.crt, NAME.key; default "registry" */
  name?: string;
  /** the port clients use (compose: the published port; systemd: the listen port); default 5000 */
  port?: number;
  /** htpasswd basic auth */
  auth?: boolean;
  /** demand client certificates signed by our CA (http.tls.clientcas) */
  mtls?: boolean;
  /** auth.htpasswd.realm; default "Registry Realm" */
  realm?: string;
  /** "distribution" (v3, default) or "distribution-2" */
  server?: DistributionKind;
  /** http.secret (signs upload state; must be the same on every replica); omitted when undefined */
  secret?: string;
  /**
   * Bind address. Compose: the host address the port is published on (the container keeps :5000);
   * systemd: http.addr. Its port, when given, is the port clients use (must agree with `port`).
   */
  listen?: ListenAddress;
}

export interface ComposeOptions extends RegistryConfigOptions {
  /** absolute directory of the compose file: the docker run line then names absolute host paths (no $PWD, no cd) */
  hostDir?: string;
  /** host directory holding NAME.crt, NAME.key and ca.crt, relative to the compose file; default "./certs" */
  certsDir?: string;
  /** host directory holding the htpasswd file, relative to the compose file; default "./auth" */
  authDir?: string;
  /** the htpasswd file's name in authDir; default "htpasswd" */
  htpasswdFile?: string;
  /** host directory for the images (bind mount); default: the named volume registry-data */
  dataDir?: string;
  /** image; default the pinned image of `server` (SERVER_IMAGES) */
  image?: string;
}

export interface ComposeKit {
  configYml: string;
  composeYml: string;
  /** the equivalent `docker run` command line (one line, shell-quoted) */
  dockerRun: string;
}

/** dataDir is storage.filesystem.rootdirectory; binary: v3 only (distribution-2 is Debian's packaged service). */
export interface SystemdOptions extends RegistryConfigOptions, ServiceInstallOptions {
  /** the service's user and group; default docker-registry (the package creates it) or registry (v3) */
  group?: string;
}

export interface SystemdKit {
  configYml: string;
  /** paths the config names */
  paths: { config: string; certificate: string; key: string; clientCa?: string; htpasswd?: string; data: string };
  /** copy files in place with the right owners and modes (run as root) */
  install: InstallStep[];
  restart: string[];
  /** v3 (binary install): the systemd unit to install as /etc/systemd/system/<unitName> */
  unit?: { name: string; text: string };
}

/** The registry listens on 5000 inside the registry:2 and registry:3 containers. */
const CONTAINER_PORT = CONTAINER_PORTS.distribution;

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw userError("regcert.invalidPort", phrase`${opt("port", port)} is not a valid port: use 1 to 65535`, phrase`e.g. ${opt("port", 5000)}`);
  return port;
}

/** The client port: --listen's port, else --port (default 5000); both given must agree. */
export function clientPort(o: Pick<RegistryConfigOptions, "port" | "listen">): number {
  const fromListen = o.listen?.port;
  if (fromListen !== undefined && o.port !== undefined && fromListen !== o.port) {
    throw userError("regcert.conflictingFlags", phrase`${opt("listen")} port ${fromListen} and ${opt("port", o.port)} disagree`, phrase`drop ${opt("port")}, or use ${opt("listen", listenText(o.listen?.host, o.port))}`);
  }
  return checkPort(fromListen ?? o.port ?? 5000);
}

export { shellQuote } from "../text/shell.js";

function loadTemplate(text: string, what: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) throw new Error(`template ${what} is not a YAML mapping: ${doc.errors[0]?.message ?? "empty"}`);
  return doc;
}

/** Sets tls/auth/addr on a parsed config template; removes what the options do not ask for. */
function applyCommon(doc: Document, o: RegistryConfigOptions, values: { addr: string; certificate: string; key: string; clientCa: string; htpasswd: string; rootdirectory: string }): void {
  const v3 = (o.server ?? "distribution") === "distribution";
  if (v3) doc.setIn(["log", "level"], "info");
  doc.setIn(["http", "addr"], values.addr);
  if (o.secret !== undefined) {
    if (!/^[A-Za-z0-9_-]{32,}$/.test(o.secret)) throw userError("regcert.invalidSecret", "http.secret must be at least 32 URL-safe characters", "let regcert generate it (drop the value), or keep the one in the existing config.yml");
    doc.setIn(["http", "secret"], o.secret);
  }
  doc.setIn(["http", "tls", "certificate"], values.certificate);
  doc.setIn(["http", "tls", "key"], values.key);
  // v3: explicit minimum TLS version (only tls1.2 or tls1.3 are accepted there)
  if (v3) doc.setIn(["http", "tls", "minimumtls"], "tls1.2");
  doc.setIn(["storage", "filesystem", "rootdirectory"], values.rootdirectory);
  // delete enabled is what makes `regcert api delete` work (the registry answers 405 otherwise)
  doc.setIn(["storage", "delete", "enabled"], true);
  if (o.mtls) {
    doc.setIn(["http", "tls", "clientcas"], doc.createNode([values.clientCa]));
    // v3: the mode said explicitly (v3's default with clientcas is the same; 2.8 has no such key)
    if (v3) doc.setIn(["http", "tls", "clientauth"], "require-and-verify-client-cert");
  } else doc.deleteIn(["http", "tls", "clientcas"]);
  if (o.auth) {
    // eslint-disable-next-line no-control-regex
    if (o.realm !== undefined && (o.realm === "" || /[\u0000-\u001f"]/.test(o.realm))) throw userError("regcert.invalidRealm", `realm ${JSON.stringify(o.realm)} cannot go into a WWW-Authenticate header`, "use printable characters without '\"'");
    doc.setIn(["auth", "htpasswd", "realm"], o.realm ?? "Registry Realm");
    doc.setIn(["auth", "htpasswd", "path"], values.htpasswd);
  } else doc.deleteIn(["auth"]);
}

const stemOf = (o: RegistryConfigOptions): string => o.name ?? "registry";

/** config.yml, docker-compose.yml and the `docker run` line for the registry:3 (default) or registry:2 image. */
export function renderComposeKit(templates: { config: string; compose: string }, options: ComposeOptions = {}): ComposeKit {
  const server = options.server ?? "distribution";
  const port = clientPort(options);
  const name = stemOf(options);
  const htpasswdFile = options.htpasswdFile ?? "htpasswd";
  const config = loadTemplate(templates.config, "config.yml");
  applyCommon(config, options, {
    addr: `:${CONTAINER_PORT}`,
    certificate: `/certs/${name}.crt`,
    key: `/certs/${name}.key`,
    clientCa: "/certs/ca.crt",
    htpasswd: posix.join("/auth", htpasswdFile),
    rootdirectory: "/var/lib/registry",
  });

  const image = options.image ?? SERVER_IMAGES[server];
  const volumes = registryVolumes({ ...options, configFile: "./config.yml", configMount: CONFIG_MOUNTS[server] });

  const compose = loadTemplate(templates.compose, "docker-compose.yml");
  compose.setIn(["services", "registry", "image"], image);
  const published = publishedPort(options.listen?.host, port, CONTAINER_PORT);
  compose.setIn(["services", "registry", "ports"], compose.createNode([portScalar(published)]));
  compose.setIn(["services", "registry", "volumes"], compose.createNode(volumes));
  if (options.dataDir) compose.deleteIn(["volumes"]);
  return { configYml: config.toString(), composeYml: compose.toString(), dockerRun: dockerRunLine(published, volumes, image) };
}

/** The defaults of each --systemd flavour. */
const SYSTEMD_DEFAULTS = {
  "distribution-2": { etc: "/etc/docker/registry", data: "/var/lib/docker-registry", group: "docker-registry", service: "docker-registry" },
  distribution: { etc: "/etc/distribution", data: "/var/lib/registry", group: "registry", service: "registry" },
} as const;

/** The systemd unit of a v3 binary install (the image sets OTEL_TRACES_EXPORTER=none; a unit must too). */
export function renderDistributionUnit(o: { binary: string; config: string; user: string }): string {
  return serviceUnit({
    header: "# Written by `regcert registry-config --server distribution --systemd`: distribution v3 (binary install).",
    description: "Distribution registry v3",
    user: o.user,
    environment: ["# tracing would export to localhost:4318 otherwise (the registry:3 image sets the same)", "Environment=OTEL_TRACES_EXPORTER=none"],
    execStart: `${o.binary} serve ${o.config}`,
  });
}

/**
 * --systemd: distribution-2 = Debian's docker-registry service (/etc/docker/registry/config.yml);
 * distribution (v3) = a binary install with its own unit (/etc/distribution/config.yml), and how to put
 * the files in place.
 */
export function renderSystemdConfig(template: string, options: SystemdOptions = {}): SystemdKit {
  const server = options.server ?? "distribution";
  const defaults = SYSTEMD_DEFAULTS[server];
  const port = clientPort(options);
  const name = stemOf(options);
  const etc = options.etcDir ?? defaults.etc;
  if (!etc.startsWith("/")) throw userError("regcert.relativePath", phrase`${opt("etcDir", etc)} must be an absolute path: the service does not run in this directory`, phrase`e.g. ${opt("etcDir", defaults.etc)}`);
  const data = options.dataDir ?? defaults.data;
  if (!data.startsWith("/")) throw userError("regcert.relativePath", phrase`${opt("dataDir", data)} must be an absolute path for ${opt("systemd")}`, phrase`e.g. ${opt("dataDir", defaults.data)}`);
  const group = options.group ?? defaults.group;
  const certDir = posix.join(etc, "certs");
  const paths: SystemdKit["paths"] = {
    config: posix.join(etc, "config.yml"),
    certificate: posix.join(certDir, `${name}.crt`),
    key: posix.join(certDir, `${name}.key`),
    data,
    ...(options.mtls ? { clientCa: posix.join(certDir, "ca.crt") } : {}),
    ...(options.auth ? { htpasswd: posix.join(etc, "htpasswd") } : {}),
  };
  const config = loadTemplate(template, "debian-config.yml");
  // the header names the file this config is for (not the package's path when --etc-dir moved it)
  const first = (config.contents as YAMLMap).items[0];
  if (first && isScalar(first.key)) first.key.commentBefore = undefined;
  config.commentBefore = [
    ` ${paths.config} for ${server === "distribution" ? "distribution v3 (binary install, registry.service)" : "Debian's docker-registry package"}, written by`,
    " `regcert registry-config --systemd`. TLS added; auth.htpasswd.path points at a FILE: the",
    " packaged value (/etc/docker/registry, a directory) makes every login fail with HTTP 400",
    ' ("read /etc/docker/registry: is a directory").',
  ].join("\n");
  applyCommon(config, options, { addr: listenText(options.listen?.host, port), certificate: paths.certificate, key: paths.key, clientCa: posix.join(certDir, "ca.crt"), htpasswd: posix.join(etc, "htpasswd"), rootdirectory: data });

  const src = options.sourceCertsDir ?? "certs";
  const install: InstallStep[] = server === "distribution" ? serviceUserSteps(group, etc) : [];
  install.push(...keyPairSteps({ sourceDir: src, name, group, certDir, certificate: paths.certificate, key: paths.key, clientCa: paths.clientCa }));
  if (paths.htpasswd) install.push({ argv: ["install", "-m", "0640", "-o", "root", "-g", group, options.sourceHtpasswd ?? "auth/htpasswd", paths.htpasswd], why: "the htpasswd file (a file, not the packaged directory path)" });
  install.push({ argv: ["install", "-d", "-m", "0750", "-o", group, "-g", group, data], why: "the storage, owned by the service" });
  // -b keeps the packaged file as config.yml~; 0640: it holds http.secret
  install.push({ argv: ["install", "-b", "-m", "0640", "-o", "root", "-g", group, options.sourceConfig ?? "config.yml", paths.config], why: "this configuration (it holds http.secret: readable by the service only)" });
  if (server === "distribution") {
    const unitName = `${defaults.service}.service`;
    const unit = { name: unitName, text: renderDistributionUnit({ binary: options.binary ?? "/usr/local/bin/registry", config: paths.config, user: group }) };
    install.push(...unitSteps({ sourceConfig: options.sourceConfig ?? "config.yml", unitName, service: defaults.service, why: "the unit (OTEL_TRACES_EXPORTER=none, serve on this config)" }));
    return { configYml: config.toString(), paths, install, restart: ["systemctl", "restart", defaults.service], unit };
  }
  return { configYml: config.toString(), paths, install, restart: ["systemctl", "restart", defaults.service] };
}

/** An install step as one shell line, for printing. */
export const stepLine = (step: InstallStep): string => step.argv.map(shellQuote).join(" ");
