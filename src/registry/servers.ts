/**
 * The registry servers `regcert registry-config --server` writes for, and the facts each output
 * depends on (read from their sources; committed as test data in test/fixtures/upstream/ with the
 * upstream commit, and tests fail when these constants disagree with it):
 * - distribution (v3, the default): image registry:3.x; the image's CMD is
 *   `/etc/distribution/config.yml` (entrypoint runs `registry serve` on it); it sets
 *   OTEL_TRACES_EXPORTER=none, which binary/systemd installs must set themselves (tracing otherwise
 *   exports to localhost:4318). `http.tls.minimumtls` is tls1.2 or tls1.3; `http.tls.clientauth` is
 *   explicit; `log.level`, never the deprecated top-level `loglevel`.
 * - distribution-2: registry:2 (frozen) and Debian's docker-registry 2.8, /etc/docker/registry/config.yml.
 * - zot: JSON at /etc/zot/config.json (image CMD `serve /etc/zot/config.json`); unknown keys refuse
 *   to start (viper UnmarshalExact).
 * - harbor: harbor.yml for Harbor's installer (`./prepare`, `./install.sh`): https.{port,certificate,private_key}.
 */
import { opt, phrase, userError } from "../pki/errors.js";
import { classifyName } from "../pki/names.js";

export const SERVER_KINDS = ["distribution", "distribution-2", "zot", "harbor"] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** The one pinned image of each containerised server (a current minor, so patch releases come in). */
export const SERVER_IMAGES = {
  distribution: "registry:3.1",
  "distribution-2": "registry:2",
  zot: "ghcr.io/project-zot/zot:v2.1.20",
} as const;

/** Where each image reads its config (its CMD), i.e. where the compose file mounts ours. */
export const CONFIG_MOUNTS = {
  distribution: "/etc/distribution/config.yml",
  "distribution-2": "/etc/docker/registry/config.yml",
  zot: "/etc/zot/config.json",
} as const;

/** The port each server listens on inside its container. */
export const CONTAINER_PORTS = { distribution: 5000, "distribution-2": 5000, zot: 5000 } as const;

/** distribution v3's http.tls.minimumtls values (registry/registry.go tlsVersions). */
export const DISTRIBUTION_TLS_VERSIONS = ["tls1.2", "tls1.3"] as const;
/** distribution v3's http.tls.clientauth values (configuration.go ClientAuth*). */
export const DISTRIBUTION_CLIENT_AUTH = ["request-client-cert", "require-any-client-cert", "verify-client-cert-if-given", "require-and-verify-client-cert"] as const;

/** Parses `--server`; exit 2 listing the allowed values. */
export function parseServerKind(value: string | undefined): ServerKind {
  const word = (value ?? "distribution").trim().toLowerCase();
  if ((SERVER_KINDS as readonly string[]).includes(word)) return word as ServerKind;
  throw userError("regcert.invalidServer", phrase`${opt("server", `"${value}"`)} is not a registry regcert configures`, `use one of: ${SERVER_KINDS.join(", ")} (distribution = registry:3, distribution-2 = registry:2 and Debian's docker-registry)`);
}

/** A bind address: host (IPv4, IPv6, a name) and/or port. */
export interface ListenAddress {
  /** undefined: every interface */
  host: string | undefined;
  port: number | undefined;
}

const badListen = (value: string, why: string) => userError("regcert.invalidListen", phrase`${opt("listen", `"${value}"`)} ${why}`, phrase`e.g. ${opt("listen", "127.0.0.1:5000")}, ${opt("listen", "[::1]:5000")}, ${opt("listen", ":5000")} (every interface)`);

function listenPort(text: string, value: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw badListen(value, `has an invalid port "${text}": use 1 to 65535`);
  return Number(text);
}

/** Parses `--listen ADDR`: `:5000`, `127.0.0.1:5000`, `[::1]:5000`, `127.0.0.1`, `[::1]`, `localhost:5000`. */
export function parseListen(value: string): ListenAddress {
  const raw = value.trim();
  if (raw === "") throw badListen(value, "is empty");
  let hostText: string | undefined;
  let portText: string | undefined;
  if (raw.startsWith("[")) {
    const close = raw.indexOf("]");
    if (close < 0) throw badListen(value, "has an unbalanced '['");
    hostText = raw.slice(1, close);
    const rest = raw.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) throw badListen(value, `has unexpected text "${rest}" after the address`);
    if (rest !== "") portText = rest.slice(1);
  } else if (raw.split(":").length > 2) {
    throw badListen(value, "looks like an IPv6 address without brackets");
  } else {
    const [h, p] = raw.split(":");
    hostText = h === "" ? undefined : h;
    portText = p;
  }
  const port = portText === undefined ? undefined : listenPort(portText, value);
  if (hostText === undefined) return { host: undefined, port };
  const name = classifyName(hostText);
  if (raw.startsWith("[") && !(name.type === "ip" && name.value.includes(":"))) throw badListen(value, "has brackets around something that is not an IPv6 address");
  if (name.type === "dns" && name.value.startsWith("*.")) throw badListen(value, "is a wildcard");
  return { host: name.value, port };
}

/** `host:port` as Go's net.Listen wants it (IPv6 in brackets; no host = every interface). */
export function listenText(host: string | undefined, port: number): string {
  if (host === undefined) return `:${port}`;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
