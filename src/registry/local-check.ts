/**
 * The local half of `regcert check`: what this machine's container clients will do for HOST:PORT.
 * Reads (never writes) files under `root` (default "/"; tests use a temp dir): the certs.d directories
 * of Docker and containers/image, containerd's hosts dir and config_path, and every setting that
 * would make a client skip TLS verification. Facts: reference/trust-locations.md §1–3.
 */
import { X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { ipWithin } from "../pki/name-constraints.js";
import type { LocalFinding as Finding } from "./check.js";
import { checkDocker29 } from "./docker29.js";
import { shellLine } from "../text/shell.js";

export interface LocalCheckOptions {
  /** file system root; default "/" */
  root?: string;
  /** host as typed (IPv6 without brackets) */
  host: string;
  port: number;
  /** PEM of the CA(s) that sign the registry's certificate: a certs.d ca.crt must hold one of them */
  caPem: string;
  /** the Docker client config dir (buildx builders); default ~/.docker when root is "/", else ROOT/root/.docker */
  dockerConfigDir?: string;
}

const hostPort = (o: { host: string; port: number }): string => `${o.host.includes(":") ? `[${o.host}]` : o.host}:${o.port}`;

/**
 * Fixes are commands for this machine as checked: under --root they name the files under that root
 * and keep --root, so pasting one edits what was checked, not the real /etc.
 */
const atRoot = (o: LocalCheckOptions, path: string): string => (o.root === undefined || o.root === "/" ? path : join(o.root, path));
const installTrust = (o: LocalCheckOptions, ...extra: string[]): string =>
  shellLine(["regcert", "install-trust", "--host", hostPort(o), ...extra, ...(o.root === undefined || o.root === "/" ? [] : ["--root", o.root])]);

/** certs.d directory names clients look up: host:port, and plain host for 443 (reference §1). */
function directoryNames(o: LocalCheckOptions): string[] {
  const hp = hostPort(o);
  const bare = o.host.includes(":") ? `[${o.host}]` : o.host;
  return o.port === 443 ? [bare, hp] : [hp];
}

function readText(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? readFileSync(path, "utf8") : undefined;
  } catch {
    return undefined;
  }
}

function listDir(path: string): string[] | undefined {
  try {
    return statSync(path).isDirectory() ? readdirSync(path).sort() : undefined;
  } catch {
    return undefined;
  }
}

const fingerprints = (pem: string): Set<string> => {
  const set = new Set<string>();
  for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) {
    try {
      set.add(new X509Certificate(block).fingerprint256);
    } catch {
      /* not a certificate: reported by the caller as unusable */
    }
  }
  return set;
};

/** One certs.d/<host[:port]> directory, Docker's rules (moby loadTLSConfig; containers/image is the same). */
function checkCertsDir(dir: string, shown: string, product: string, o: LocalCheckOptions, expected: Set<string>): Finding[] {
  const files = listDir(dir);
  if (!files) return [];
  const findings: Finding[] = [];
  const crt = files.filter((f) => f.endsWith(".crt"));
  const certs = files.filter((f) => f.endsWith(".cert"));
  const keys = files.filter((f) => f.endsWith(".key"));
  for (const cert of certs) {
    const key = `${cert.slice(0, -".cert".length)}.key`;
    if (!keys.includes(key)) {
      findings.push({ id: "local.certWithoutKey", status: "fail", message: `${shown}/${cert} has no ${key}: ${product} refuses the whole directory`, clientError: `missing key ${key} for client certificate ${cert}. CA certificates must use the extension .crt`, fix: cert === "ca.cert" ? `rename it: ${shellLine(["mv", join(dir, "ca.cert"), join(dir, "ca.crt")])}` : `add ${key}, or remove ${cert}` });
    }
  }
  for (const key of keys) {
    const cert = `${key.slice(0, -".key".length)}.cert`;
    if (!certs.includes(cert)) {
      findings.push({ id: "local.strayKey", status: "fail", message: `${shown}/${key} has no ${cert}: ${product} refuses the whole directory`, clientError: `missing client certificate ${cert} for key ${key}`, fix: key.endsWith(".key") && files.includes(`${key.slice(0, -4)}.crt`) ? `a client certificate must be named .cert: ${shellLine(["mv", join(dir, `${key.slice(0, -4)}.crt`), join(dir, cert)])} (or remove the stray ${key})` : `remove ${join(dir, key)}, or add its ${cert}` });
    }
  }
  for (const ignored of files.filter((f) => /\.(pem|cer|der)$/.test(f))) {
    findings.push({ id: "local.ignoredFile", status: crt.length === 0 ? "fail" : "warn", message: `${shown}/${ignored} is ignored: ${product} reads CA certificates only from *.crt files`, fix: `${shellLine(["mv", join(dir, ignored), join(dir, "ca.crt")])} (or ${installTrust(o)})` });
  }
  if (crt.length === 0) {
    findings.push({ id: "local.noCa", status: "fail", message: `${shown} holds no *.crt: ${product} does not trust the registry's CA`, clientError: "x509: certificate signed by unknown authority", fix: installTrust(o) });
  } else {
    const found = crt.some((f) => [...fingerprints(readText(join(dir, f)) ?? "")].some((fp) => expected.has(fp)));
    findings.push(
      found
        ? { id: "local.trusted", status: "ok", message: `${shown}/ holds the CA: ${product} trusts the registry` }
        : { id: "local.wrongCa", status: "fail", message: `${shown}/${crt.join(", ")} does not hold the CA that signs the registry's certificate: ${product} will not trust it`, clientError: "x509: certificate signed by unknown authority", fix: installTrust(o, "--force") },
    );
  }
  return findings;
}

/** Does an insecure-registries entry (host[:port] or CIDR) cover this registry? */
function entryCovers(entry: string, o: LocalCheckOptions): boolean {
  const e = entry.trim().replace(/^https?:\/\//, "").replace(/\/$/, "");
  if (e.includes("/") && isIP(o.host)) {
    try {
      return ipWithin(o.host, e);
    } catch {
      return false;
    }
  }
  return e === hostPort(o) || (o.port === 443 && e === o.host);
}

function insecureFlagFindings(text: string, file: string, o: LocalCheckOptions): Finding[] {
  const out: Finding[] = [];
  for (const match of text.matchAll(/--insecure-registry[= ]+["']?([^\s"']+)/g)) {
    if (entryCovers(match[1] as string, o)) {
      out.push({ id: "local.insecureFlag", status: "warn", message: `${file} starts dockerd with --insecure-registry ${match[1]}: Docker skips certificate verification for ${hostPort(o)}, so it would hide every TLS problem`, fix: `remove --insecure-registry ${match[1]} from ${file}, then systemctl daemon-reload && systemctl restart docker` });
    }
  }
  return out;
}

function dockerDaemonFindings(root: string, o: LocalCheckOptions): Finding[] {
  const findings: Finding[] = [];
  const daemonJson = readText(join(root, "etc/docker/daemon.json"));
  if (daemonJson !== undefined) {
    try {
      const parsed = JSON.parse(daemonJson) as { "insecure-registries"?: unknown };
      const list = Array.isArray(parsed["insecure-registries"]) ? (parsed["insecure-registries"] as unknown[]).map(String) : [];
      for (const entry of list.filter((e) => entryCovers(e, o))) {
        findings.push({ id: "local.insecureRegistries", status: "warn", message: `/etc/docker/daemon.json lists "${entry}" in insecure-registries: Docker skips certificate verification for ${hostPort(o)} (and falls back to plain HTTP)`, fix: `remove "${entry}" from insecure-registries in /etc/docker/daemon.json, then systemctl reload docker` });
      }
    } catch {
      findings.push({ id: "local.daemonJsonInvalid", status: "fail", message: "/etc/docker/daemon.json is not valid JSON: dockerd refuses to start", fix: `fix the syntax (${shellLine(["python3", "-m", "json.tool", atRoot(o, "/etc/docker/daemon.json")])})` });
    }
  }
  const defaults = readText(join(root, "etc/default/docker"));
  if (defaults) findings.push(...insecureFlagFindings(defaults.split("\n").filter((l) => !l.trim().startsWith("#")).join("\n"), "/etc/default/docker (DOCKER_OPTS)", o));
  const units = ["lib/systemd/system/docker.service", "usr/lib/systemd/system/docker.service", "etc/systemd/system/docker.service"];
  for (const dropIn of listDir(join(root, "etc/systemd/system/docker.service.d")) ?? []) if (dropIn.endsWith(".conf")) units.push(`etc/systemd/system/docker.service.d/${dropIn}`);
  for (const unit of units) {
    const text = readText(join(root, unit));
    if (text) findings.push(...insecureFlagFindings(text, `/${unit}`, o));
  }
  return findings;
}

/** registries.conf v2 `[[registry]]` tables (and v1 `[registries.insecure]`) that mark this registry insecure. */
function registriesConfFindings(root: string, o: LocalCheckOptions): Finding[] {
  const files = ["etc/containers/registries.conf", ...(listDir(join(root, "etc/containers/registries.conf.d")) ?? []).filter((f) => f.endsWith(".conf")).map((f) => `etc/containers/registries.conf.d/${f}`)];
  const findings: Finding[] = [];
  for (const file of files) {
    const text = readText(join(root, file));
    if (!text) continue;
    const clean = text.split("\n").map((l) => l.replace(/#.*$/, "")).join("\n");
    for (const table of clean.split(/^\s*\[\[registry\]\]\s*$/m).slice(1)) {
      const body = table.split(/^\s*\[/m)[0] ?? "";
      const location = /^\s*(?:location|prefix)\s*=\s*["']([^"']+)["']/m.exec(body)?.[1];
      if (location && /^\s*insecure\s*=\s*true\b/m.test(body) && (location === hostPort(o) || location.startsWith(`${hostPort(o)}/`) || (o.port === 443 && location === o.host))) {
        findings.push({ id: "local.registriesConfInsecure", status: "warn", message: `/${file} sets insecure = true for ${location}: podman, buildah, skopeo and CRI-O skip certificate verification (and allow plain HTTP) there`, fix: `remove "insecure = true" from that [[registry]] table in /${file} once the CA is trusted (${installTrust(o, "--target", "containers")})` });
      }
    }
    const v1 = /\[registries\.insecure\][^[]*registries\s*=\s*\[([^\]]*)\]/m.exec(clean);
    if (v1 && (v1[1] ?? "").split(",").map((s) => s.trim().replace(/^["']|["']$/g, "")).some((e) => entryCovers(e, o))) {
      findings.push({ id: "local.registriesConfInsecure", status: "warn", message: `/${file} lists ${hostPort(o)} under [registries.insecure]: containers/image clients skip certificate verification there`, fix: `remove it from [registries.insecure] in /${file}` });
    }
  }
  return findings;
}

/** containerd reads certs.d only through config_path (empty by default before 2.2). */
function containerdFindings(root: string, o: LocalCheckOptions, expected: Set<string>): Finding[] {
  const hp = hostPort(o);
  const names = [`${o.host.includes(":") ? `[${o.host}]` : o.host}_${o.port}_`, ...directoryNames(o)];
  const base = join(root, "etc/containerd/certs.d");
  const name = names.find((n) => listDir(join(base, n)) !== undefined);
  const config = readText(join(root, "etc/containerd/config.toml"));
  if (name === undefined) {
    if (config !== undefined && /^\s*config_path\s*=/m.test(config)) {
      return [{ id: "local.containerdNoHostDir", status: "warn", message: `containerd has config_path but no hosts directory for ${hp}`, fix: installTrust(o, "--target", "containerd") }];
    }
    return [];
  }
  const findings: Finding[] = [];
  const shown = atRoot(o, `/etc/containerd/certs.d/${name}`);
  const configPath = config === undefined ? undefined : /^\s*config_path\s*=\s*["']([^"']*)["']/m.exec(config)?.[1];
  if (configPath === undefined || configPath === "") {
    findings.push({ id: "local.containerdConfigPath", status: "warn", message: `${shown} exists, but /etc/containerd/config.toml sets no config_path: containerd before 2.2 ignores certs.d for CRI pulls`, fix: `set config_path = "/etc/containerd/certs.d" in [plugins."io.containerd.grpc.v1.cri".registry] (containerd 1.x) or [plugins."io.containerd.cri.v1.images".registry] (2.x), then systemctl restart containerd` });
  } else if (!configPath.split(":").includes("/etc/containerd/certs.d")) {
    findings.push({ id: "local.containerdConfigPath", status: "warn", message: `containerd's config_path is "${configPath}", which does not include /etc/containerd/certs.d where ${shown} is`, fix: `add /etc/containerd/certs.d to config_path (colon-separated), then systemctl restart containerd` });
  } else {
    findings.push({ id: "local.containerdConfigPath", status: "ok", message: `containerd reads ${shown} (config_path = "${configPath}")` });
  }
  const hosts = readText(join(base, name, "hosts.toml"));
  if (hosts === undefined) {
    findings.push({ id: "local.containerdNoHostsToml", status: "warn", message: `${shown} has no hosts.toml: containerd 1.6 then speaks plain HTTP to localhost/127.0.0.1 and reads only *.crt Docker-style`, fix: installTrust(o, "--target", "containerd") });
  } else {
    if (/^\s*skip_verify\s*=\s*true/m.test(hosts)) findings.push({ id: "local.containerdSkipVerify", status: "warn", message: `${shown}/hosts.toml sets skip_verify = true: containerd does not verify the registry's certificate`, fix: "remove skip_verify once the CA is trusted" });
    const caFiles = [...hosts.matchAll(/^\s*ca\s*=\s*(\[[^\]]*\]|["'][^"']*["'])/gm)].flatMap((m) => [...(m[1] as string).matchAll(/["']([^"']+)["']/g)].map((x) => x[1] as string));
    const holds = caFiles.some((f) => [...fingerprints(readText(f.startsWith("/") ? join(root, f) : join(base, name, f)) ?? "")].some((fp) => expected.has(fp)));
    if (!holds) findings.push({ id: "local.containerdWrongCa", status: "fail", message: `${shown}/hosts.toml names no CA file that holds the registry's CA`, clientError: "x509: certificate signed by unknown authority", fix: installTrust(o, "--target", "containerd", "--force") });
  }
  return findings;
}

/** Every local finding for HOST:PORT. */
export function checkLocalSide(o: LocalCheckOptions): Finding[] {
  const root = o.root ?? "/";
  const expected = fingerprints(o.caPem);
  const findings: Finding[] = [];
  let dockerDir = false;
  for (const name of directoryNames(o)) {
    const dir = join(root, "etc/docker/certs.d", name);
    if (existsSync(dir)) dockerDir = true;
    findings.push(...checkCertsDir(dir, atRoot(o, `/etc/docker/certs.d/${name}`), "Docker", o, expected));
    findings.push(...checkCertsDir(join(root, "etc/containers/certs.d", name), atRoot(o, `/etc/containers/certs.d/${name}`), "podman/skopeo", o, expected));
  }
  if (!dockerDir && existsSync(join(root, "etc/docker"))) {
    findings.push({ id: "local.noDockerTrust", status: "warn", message: `no ${atRoot(o, `/etc/docker/certs.d/${directoryNames(o)[0]}`)}/: Docker on this machine does not trust the registry's CA`, fix: installTrust(o) });
  }
  findings.push(...containerdFindings(root, o, expected));
  findings.push(...dockerDaemonFindings(root, o));
  findings.push(...registriesConfFindings(root, o));
  const dockerConfigDir = o.dockerConfigDir ?? (root === "/" ? (process.env.DOCKER_CONFIG || join(homedir(), ".docker")) : join(root, "root/.docker"));
  findings.push(...checkDocker29({ root, names: directoryNames(o), hostPort: hostPort(o), dockerConfigDir }));
  return findings;
}
