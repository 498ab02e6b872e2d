/**
 * What every registry server's kit shares (distribution v3/v2 in config.ts, zot in zot.ts): the
 * container's bind mounts, the published port, the `docker run` line built from argv, the systemd unit
 * text, and the install steps that put the key pair, the service user and the unit in place.
 * Pure: text and argv out.
 */
import { posix } from "node:path";
import { Scalar } from "yaml";
import { shellLine, shellQuote } from "../text/shell.js";
import { listenText } from "./servers.js";

/** One command of the install sequence, as argv (run it without a shell) and as text. */
export interface InstallStep {
  argv: string[];
  why: string;
}

/** Where a --systemd kit installs to and copies from (distribution-2, distribution v3, zot). */
export interface ServiceInstallOptions {
  /** the config directory; default /etc/docker/registry (distribution-2: the package's), /etc/distribution (v3), /etc/zot */
  etcDir?: string;
  /** the storage directory; default /var/lib/docker-registry (the package's), /var/lib/registry (v3), /var/lib/zot */
  dataDir?: string;
  /** the binary the unit runs (v3, zot); default /usr/local/bin/registry or /usr/local/bin/zot */
  binary?: string;
  /** where NAME.crt, NAME.key and ca.crt are now (sources of the install commands); default "certs" */
  sourceCertsDir?: string;
  /** where the htpasswd file is now; default "auth/htpasswd" */
  sourceHtpasswd?: string;
  /** where the rendered config is now (source of the install command); default config.yml (zot: config.json) */
  sourceConfig?: string;
}

/** ./x for a relative host path in compose (compose needs the leading ./ to see a bind mount). */
export function hostPath(path: string): string {
  if (path.startsWith("/") || path.startsWith("./") || path.startsWith("../")) return path;
  return `./${path}`;
}

/** The container's mounts: its config file (read-only), certs/, auth/ with htpasswd auth, the storage. */
export function registryVolumes(o: { configFile: string; configMount: string; certsDir?: string; auth?: boolean; authDir?: string; dataDir?: string }): string[] {
  const volumes = [`${o.configFile}:${o.configMount}:ro`, `${hostPath(o.certsDir ?? "certs")}:/certs:ro`];
  if (o.auth) volumes.push(`${hostPath(o.authDir ?? "auth")}:/auth:ro`);
  volumes.push(o.dataDir ? `${hostPath(o.dataDir)}:/var/lib/registry` : "registry-data:/var/lib/registry");
  return volumes;
}

/** docker's -p / compose's ports entry: [host:]port:inner (IPv6 hosts in brackets). */
export function publishedPort(host: string | undefined, port: number, inner: number): string {
  return host === undefined ? `${port}:${inner}` : `${listenText(host, port)}:${inner}`;
}

/** The ports entry quoted: YAML 1.1 readers take an unquoted 5000:5000 for a base-60 number. */
export function portScalar(published: string): Scalar {
  const scalar = new Scalar(published);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/**
 * The `docker run` line equivalent to the compose file, built from argv (shellLine / shellQuote); a
 * relative host path becomes "$PWD"/path (docker -v needs an absolute path): "$PWD" is the only part
 * left for the shell to expand.
 */
export function dockerRunLine(published: string, volumes: readonly string[], image: string): string {
  const mount = (v: string): string => {
    const [host = "", ...rest] = v.split(":");
    const target = rest.join(":");
    if (host === "registry-data" || host.startsWith("/")) return shellLine(["-v", `${host}:${target}`]);
    return `-v "$PWD"${shellQuote(`/${host.replace(/^\.\//, "")}:${target}`)}`;
  };
  return [shellLine(["docker", "run", "-d", "--name", "registry", "--restart", "unless-stopped", "-p", published]), ...volumes.map(mount), shellQuote(image)].join(" ");
}

/** A registry's systemd service unit: runs as its own user, restarts on failure, no new privileges. */
export function serviceUnit(o: { header: string; description: string; user: string; environment?: readonly string[]; execStart: string }): string {
  return [
    o.header,
    "[Unit]",
    `Description=${o.description}`,
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    `User=${o.user}`,
    `Group=${o.user}`,
    ...(o.environment ?? []),
    `ExecStart=${o.execStart}`,
    "Restart=on-failure",
    "NoNewPrivileges=true",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The service user and the config directory (a binary install; a package makes both itself). */
export function serviceUserSteps(user: string, etcDir: string): InstallStep[] {
  return [
    { argv: ["useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", user], why: `the service user (skip when ${user} exists)` },
    { argv: ["install", "-d", "-m", "0755", "-o", "root", "-g", "root", etcDir], why: "the config directory" },
  ];
}

/**
 * The certificate directory, the certificate, the key and (for mTLS) the client CA, copied from
 * `sourceDir` (NAME.crt, NAME.key, ca.crt). The service runs as its own user: a root-owned 0600 key
 * would make it fail at startup, so the key is 0640 root:group in a 0750 directory.
 */
export function keyPairSteps(o: { sourceDir: string; name: string; group: string; certDir: string; certificate: string; key: string; clientCa: string | undefined }): InstallStep[] {
  const steps: InstallStep[] = [
    { argv: ["install", "-d", "-m", "0750", "-o", "root", "-g", o.group, o.certDir], why: "a directory only root and the service can enter" },
    { argv: ["install", "-m", "0644", "-o", "root", "-g", "root", posix.join(o.sourceDir, `${o.name}.crt`), o.certificate], why: "the certificate (public)" },
    { argv: ["install", "-m", "0640", "-o", "root", "-g", o.group, posix.join(o.sourceDir, `${o.name}.key`), o.key], why: "the key, readable by the service user and nobody else" },
  ];
  if (o.clientCa) steps.push({ argv: ["install", "-m", "0644", "-o", "root", "-g", "root", posix.join(o.sourceDir, "ca.crt"), o.clientCa], why: "the CA client certificates must chain to (mTLS)" });
  return steps;
}

/** The unit into /etc/systemd/system (from beside the rendered config), daemon-reload, enable. */
export function unitSteps(o: { sourceConfig: string; unitName: string; service: string; why: string }): InstallStep[] {
  return [
    { argv: ["install", "-m", "0644", "-o", "root", "-g", "root", posix.join(posix.dirname(o.sourceConfig), o.unitName), `/etc/systemd/system/${o.unitName}`], why: o.why },
    { argv: ["systemctl", "daemon-reload"], why: "systemd reads the new unit" },
    { argv: ["systemctl", "enable", o.service], why: "start at boot" },
  ];
}
