/**
 * Registry configuration from the data files in templates/: config.yml + docker-compose.yml for the
 * registry:2 image, or /etc/docker/registry/config.yml for Debian's docker-registry service.
 * Pure: the caller reads the templates and writes the results. Values go into the parsed YAML
 * document (the yaml library quotes them), never into YAML text, so a path or realm holding ':',
 * '#' or a newline cannot change the file's structure; the templates' comments are kept.
 */
import { posix } from "node:path";
import { type Document, isMap, parseDocument, Scalar } from "yaml";
import { userError } from "../pki/errors.js";
import { shellLine, shellQuote } from "../text/shell.js";

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
  /** image; default registry:2 (distribution 2.8) */
  image?: string;
}

export interface ComposeKit {
  configYml: string;
  composeYml: string;
  /** the equivalent `docker run` command line (one line, shell-quoted) */
  dockerRun: string;
}

export interface SystemdOptions extends RegistryConfigOptions {
  /** the package's config directory; default /etc/docker/registry (tests point it at a temp dir) */
  etcDir?: string;
  /** storage.filesystem.rootdirectory; default the package's /var/lib/docker-registry */
  dataDir?: string;
  /** where NAME.crt, NAME.key and ca.crt are now (sources of the install commands); default "certs" */
  sourceCertsDir?: string;
  /** where the htpasswd file is now; default "auth/htpasswd" */
  sourceHtpasswd?: string;
  /** where the rendered config.yml is now (source of the install command); default "config.yml" */
  sourceConfig?: string;
  /** the service's group; default docker-registry (the package creates it) */
  group?: string;
}

/** One command of the install sequence, as argv (run it without a shell) and as text. */
export interface InstallStep {
  argv: string[];
  why: string;
}

export interface SystemdKit {
  configYml: string;
  /** paths the config names */
  paths: { config: string; certificate: string; key: string; clientCa?: string; htpasswd?: string; data: string };
  /** copy files in place with the right owners and modes (run as root) */
  install: InstallStep[];
  restart: string[];
}

/** The registry listens on 5000 inside the registry:2 container. */
const CONTAINER_PORT = 5000;

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw userError("regcert.invalidPort", `--port ${port} is not a valid port: use 1 to 65535`, "e.g. --port 5000");
  return port;
}

export { shellQuote } from "../text/shell.js";

function loadTemplate(text: string, what: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || !isMap(doc.contents)) throw new Error(`template ${what} is not a YAML mapping: ${doc.errors[0]?.message ?? "empty"}`);
  return doc;
}

/** Sets tls/auth/addr on a parsed config template; removes what the options do not ask for. */
function applyCommon(doc: Document, o: RegistryConfigOptions, values: { addr: string; certificate: string; key: string; clientCa: string; htpasswd: string; rootdirectory: string }): void {
  doc.setIn(["http", "addr"], values.addr);
  doc.setIn(["http", "tls", "certificate"], values.certificate);
  doc.setIn(["http", "tls", "key"], values.key);
  doc.setIn(["storage", "filesystem", "rootdirectory"], values.rootdirectory);
  // delete enabled is what makes `regcert api delete` work (the registry answers 405 otherwise)
  doc.setIn(["storage", "delete", "enabled"], true);
  if (o.mtls) doc.setIn(["http", "tls", "clientcas"], doc.createNode([values.clientCa]));
  else doc.deleteIn(["http", "tls", "clientcas"]);
  if (o.auth) {
    // eslint-disable-next-line no-control-regex
    if (o.realm !== undefined && (o.realm === "" || /[\u0000-\u001f"]/.test(o.realm))) throw userError("regcert.invalidRealm", `realm ${JSON.stringify(o.realm)} cannot go into a WWW-Authenticate header`, "use printable characters without '\"'");
    doc.setIn(["auth", "htpasswd", "realm"], o.realm ?? "Registry Realm");
    doc.setIn(["auth", "htpasswd", "path"], values.htpasswd);
  } else doc.deleteIn(["auth"]);
}

const stemOf = (o: RegistryConfigOptions): string => o.name ?? "registry";

/** ./x for a relative host path in compose (compose needs the leading ./ to see a bind mount). */
function hostPath(path: string): string {
  if (path.startsWith("/") || path.startsWith("./") || path.startsWith("../")) return path;
  return `./${path}`;
}

/** config.yml, docker-compose.yml and the `docker run` line for the registry:2 image. */
export function renderComposeKit(templates: { config: string; compose: string }, options: ComposeOptions = {}): ComposeKit {
  const port = checkPort(options.port ?? 5000);
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

  const certsDir = hostPath(options.certsDir ?? "certs");
  const authDir = hostPath(options.authDir ?? "auth");
  const image = options.image ?? "registry:2";
  const volumes = [`./config.yml:/etc/docker/registry/config.yml:ro`, `${certsDir}:/certs:ro`];
  if (options.auth) volumes.push(`${authDir}:/auth:ro`);
  volumes.push(options.dataDir ? `${hostPath(options.dataDir)}:/var/lib/registry` : "registry-data:/var/lib/registry");

  const compose = loadTemplate(templates.compose, "docker-compose.yml");
  compose.setIn(["services", "registry", "image"], image);
  // quoted: YAML 1.1 readers take an unquoted 5000:5000 for a base-60 number
  const portScalar = new Scalar(`${port}:${CONTAINER_PORT}`);
  portScalar.type = Scalar.QUOTE_DOUBLE;
  compose.setIn(["services", "registry", "ports"], compose.createNode([portScalar]));
  compose.setIn(["services", "registry", "volumes"], compose.createNode(volumes));
  if (options.dataDir) compose.deleteIn(["volumes"]);

  // with hostDir (the compose file's directory) the line is plain argv through shellLine; without it,
  // relative paths stay relative to "$PWD" (inside "…", where only $ ` " \ are special)
  const absolute = (p: string) => (p.startsWith("/") ? p : `"$PWD/${p.replace(/^\.\//, "").replace(/["$`\\]/g, "\\$&")}"`);
  const mount = (v: string) => {
    const [host, ...rest] = v.split(":");
    const hostPart = host === "registry-data" ? host : absolute(host ?? "");
    return `-v ${hostPart.startsWith('"') ? hostPart : shellQuote(hostPart)}:${rest.join(":")}`;
  };
  const hostDir = options.hostDir;
  const dockerRun =
    hostDir === undefined
      ? ["docker run -d --name registry --restart unless-stopped", `-p ${port}:${CONTAINER_PORT}`, ...volumes.map(mount), shellQuote(image)].join(" ")
      : shellLine([
          ...["docker", "run", "-d", "--name", "registry", "--restart", "unless-stopped", "-p", `${port}:${CONTAINER_PORT}`],
          ...volumes.flatMap((v) => {
            const [host = "", ...rest] = v.split(":");
            return ["-v", `${host === "registry-data" || host.startsWith("/") ? host : posix.join(hostDir, host)}:${rest.join(":")}`];
          }),
          image,
        ]);
  return { configYml: config.toString(), composeYml: compose.toString(), dockerRun };
}

/** /etc/docker/registry/config.yml for Debian's docker-registry service, and how to put the files in place. */
export function renderSystemdConfig(template: string, options: SystemdOptions = {}): SystemdKit {
  const port = checkPort(options.port ?? 5000);
  const name = stemOf(options);
  const etc = options.etcDir ?? "/etc/docker/registry";
  if (!etc.startsWith("/")) throw userError("regcert.relativePath", `--etc-dir ${etc} must be an absolute path: the service does not run in this directory`, "e.g. --etc-dir /etc/docker-registry");
  const data = options.dataDir ?? "/var/lib/docker-registry";
  if (!data.startsWith("/")) throw userError("regcert.relativePath", `--data ${data} must be an absolute path for --systemd`, "e.g. --data /var/lib/docker-registry");
  const group = options.group ?? "docker-registry";
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
  applyCommon(config, options, { addr: `:${port}`, certificate: paths.certificate, key: paths.key, clientCa: posix.join(certDir, "ca.crt"), htpasswd: posix.join(etc, "htpasswd"), rootdirectory: data });

  const src = options.sourceCertsDir ?? "certs";
  const install: InstallStep[] = [
    { argv: ["install", "-d", "-m", "0750", "-o", "root", "-g", group, certDir], why: "a directory only root and the service can enter" },
    { argv: ["install", "-m", "0644", "-o", "root", "-g", "root", posix.join(src, `${name}.crt`), paths.certificate], why: "the certificate (public)" },
    // the service runs as docker-registry: a root-owned 0600 key would make it fail at startup
    { argv: ["install", "-m", "0640", "-o", "root", "-g", group, posix.join(src, `${name}.key`), paths.key], why: "the key, readable by the service user and nobody else" },
  ];
  if (paths.clientCa) install.push({ argv: ["install", "-m", "0644", "-o", "root", "-g", "root", posix.join(src, "ca.crt"), paths.clientCa], why: "the CA client certificates must chain to (mTLS)" });
  if (paths.htpasswd) install.push({ argv: ["install", "-m", "0640", "-o", "root", "-g", group, options.sourceHtpasswd ?? "auth/htpasswd", paths.htpasswd], why: "the htpasswd file (a file, not the packaged directory path)" });
  install.push({ argv: ["install", "-d", "-m", "0750", "-o", group, "-g", group, data], why: "the storage, owned by the service" });
  // -b keeps the packaged file as config.yml~
  install.push({ argv: ["install", "-b", "-m", "0644", "-o", "root", "-g", "root", options.sourceConfig ?? "config.yml", paths.config], why: "this configuration" });
  return { configYml: config.toString(), paths, install, restart: ["systemctl", "restart", "docker-registry"] };
}

/** An install step as one shell line, for printing. */
export const stepLine = (step: InstallStep): string => step.argv.map(shellQuote).join(" ");
