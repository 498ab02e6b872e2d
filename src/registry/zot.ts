/**
 * zot (project-zot/zot): config.json in zot's own key names (viper, case-insensitive; unknown keys
 * refuse to start), mounted where the image reads it (/etc/zot/config.json), or a systemd unit
 * running `zot serve` on it. TLS: http.tls.{cert,key}; --mtls: http.tls.cacert (zot then requires a
 * client certificate) + http.auth.mtls.identityAttributes; --auth: http.auth.htpasswd.path.
 * Facts: test/fixtures/upstream/zot.json (with the upstream commit).
 */
import { posix } from "node:path";
import { Document } from "yaml";
import { opt, phrase, userError } from "../pki/errors.js";
import { clientPort } from "./config.js";
import { dockerRunLine, keyPairSteps, portScalar, publishedPort, registryVolumes, serviceUnit, serviceUserSteps, unitSteps, type InstallStep, type ServiceInstallOptions } from "./deploy-text.js";
import { CONFIG_MOUNTS, CONTAINER_PORTS, SERVER_IMAGES, type ListenAddress } from "./servers.js";

/** The distribution-spec version zot is built with (it replaces a different value, with a warning). */
export const ZOT_DIST_SPEC_VERSION = "1.1.1";

export interface ZotOptions {
  name?: string;
  port?: number;
  auth?: boolean;
  mtls?: boolean;
  realm?: string;
  listen?: ListenAddress;
}

interface ZotPaths {
  certificate: string;
  key: string;
  clientCa: string;
  htpasswd: string;
  rootDirectory: string;
}

/** zot's config.json (2-space JSON, stable key order). */
export function renderZotConfig(o: ZotOptions, paths: ZotPaths, bind: { address: string; port: number }): string {
  // eslint-disable-next-line no-control-regex
  if (o.realm !== undefined && (o.realm === "" || /[\u0000-\u001f"]/.test(o.realm))) throw userError("regcert.invalidRealm", `realm ${JSON.stringify(o.realm)} cannot go into a WWW-Authenticate header`, "use printable characters without '\"'");
  const tls: Record<string, string> = { cert: paths.certificate, key: paths.key };
  if (o.mtls) tls.cacert = paths.clientCa;
  const auth: Record<string, unknown> = {};
  if (o.auth) auth.htpasswd = { path: paths.htpasswd };
  if (o.mtls) auth.mtls = { identityAttributes: ["CommonName"] };
  const http: Record<string, unknown> = { address: bind.address, port: String(bind.port), realm: o.realm ?? "zot", tls };
  if (Object.keys(auth).length > 0) http.auth = auth;
  const config = { distSpecVersion: ZOT_DIST_SPEC_VERSION, storage: { rootDirectory: paths.rootDirectory, gc: true, dedupe: true }, http, log: { level: "info" } };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export interface ZotComposeOptions extends ZotOptions {
  certsDir?: string;
  authDir?: string;
  htpasswdFile?: string;
  dataDir?: string;
  image?: string;
}

export interface ZotComposeKit {
  configJson: string;
  composeYml: string;
  dockerRun: string;
}

/** config.json, docker-compose.yml and the `docker run` line for the zot image. */
export function renderZotCompose(options: ZotComposeOptions = {}): ZotComposeKit {
  const port = clientPort(options);
  const name = options.name ?? "registry";
  const inner = CONTAINER_PORTS.zot;
  const configJson = renderZotConfig(
    options,
    { certificate: `/certs/${name}.crt`, key: `/certs/${name}.key`, clientCa: "/certs/ca.crt", htpasswd: posix.join("/auth", options.htpasswdFile ?? "htpasswd"), rootDirectory: "/var/lib/registry" },
    { address: "0.0.0.0", port: inner },
  );
  const image = options.image ?? SERVER_IMAGES.zot;
  const volumes = registryVolumes({ ...options, configFile: "./config.json", configMount: CONFIG_MOUNTS.zot });
  const published = publishedPort(options.listen?.host, port, inner);
  const doc = new Document({});
  doc.commentBefore = " Written by `regcert registry-config --server zot`. Start with: docker compose up -d";
  doc.setIn(["services", "registry"], doc.createNode({ image, restart: "unless-stopped", ports: [portScalar(published)], volumes }));
  if (!options.dataDir) doc.setIn(["volumes"], doc.createNode({ "registry-data": {} }));
  return { configJson, composeYml: doc.toString(), dockerRun: dockerRunLine(published, volumes, image) };
}

export interface ZotSystemdOptions extends ZotOptions, ServiceInstallOptions {}

export interface ZotSystemdKit {
  configJson: string;
  unit: { name: string; text: string };
  paths: { config: string; certificate: string; key: string; clientCa?: string; htpasswd?: string; data: string };
  install: InstallStep[];
  restart: string[];
}

/** config.json for /etc/zot and the zot.service unit, with the install steps. */
export function renderZotSystemd(options: ZotSystemdOptions = {}): ZotSystemdKit {
  const port = clientPort(options);
  const name = options.name ?? "registry";
  const etc = options.etcDir ?? "/etc/zot";
  const data = options.dataDir ?? "/var/lib/zot";
  for (const [option, value, example] of [["etcDir", etc, "/etc/zot"], ["dataDir", data, "/var/lib/zot"]] as const) {
    if (!value.startsWith("/")) throw userError("regcert.relativePath", phrase`${opt(option, value)} must be an absolute path for ${opt("systemd")}`, phrase`e.g. ${opt(option, example)}`);
  }
  const certDir = posix.join(etc, "certs");
  const paths: ZotSystemdKit["paths"] = {
    config: posix.join(etc, "config.json"),
    certificate: posix.join(certDir, `${name}.crt`),
    key: posix.join(certDir, `${name}.key`),
    data,
    ...(options.mtls ? { clientCa: posix.join(certDir, "ca.crt") } : {}),
    ...(options.auth ? { htpasswd: posix.join(etc, "htpasswd") } : {}),
  };
  const configJson = renderZotConfig(options, { certificate: paths.certificate, key: paths.key, clientCa: posix.join(certDir, "ca.crt"), htpasswd: posix.join(etc, "htpasswd"), rootDirectory: data }, { address: options.listen?.host ?? "0.0.0.0", port });
  const unit = {
    name: "zot.service",
    text: serviceUnit({
      header: "# Written by `regcert registry-config --server zot --systemd`.",
      description: "zot OCI registry",
      user: "zot",
      execStart: `${options.binary ?? "/usr/local/bin/zot"} serve ${paths.config}`,
    }),
  };
  const src = options.sourceCertsDir ?? "certs";
  const sourceConfig = options.sourceConfig ?? "config.json";
  const install: InstallStep[] = [
    ...serviceUserSteps("zot", etc),
    ...keyPairSteps({ sourceDir: src, name, group: "zot", certDir, certificate: paths.certificate, key: paths.key, clientCa: paths.clientCa }),
  ];
  if (paths.htpasswd) install.push({ argv: ["install", "-m", "0640", "-o", "root", "-g", "zot", options.sourceHtpasswd ?? "auth/htpasswd", paths.htpasswd], why: "the htpasswd file" });
  install.push(
    { argv: ["install", "-d", "-m", "0750", "-o", "zot", "-g", "zot", data], why: "the storage, owned by the service" },
    { argv: ["install", "-m", "0640", "-o", "root", "-g", "zot", sourceConfig, paths.config], why: "this configuration" },
    ...unitSteps({ sourceConfig, unitName: unit.name, service: "zot", why: "the unit" }),
  );
  return { configJson, unit, paths, install, restart: ["systemctl", "restart", "zot"] };
}
