/**
 * containerd: `/etc/containerd/certs.d/<host[:port]>/hosts.toml` naming `ca.crt` beside it (+ the
 * client pair). Facts (containerd docs/hosts.md; remotes/docker/config/hosts.go):
 * - relative `ca` / `client` paths are resolved against the hosts.toml directory (`makeAbsPath`), so
 *   the file works wherever the directory is (ctr --hosts-dir, a --root prefix, a node mount);
 * - at least one `[host."https://…"]` table is required ("invalid `host` tree" otherwise), and a file
 *   that fails to parse is silently ignored;
 * - without a hosts.toml, containerd 1.6 speaks plain HTTP to localhost/127.0.0.1 (client-errors.md):
 *   the explicit https server and host table make it use TLS with our CA;
 * - every file carries a host entry for its `https://` URL. IPv6: containerd 1.6 (go-toml v1) cannot
 *   parse a table header with `]` in its key: `[host."https://[::1]:5000"]` makes it ignore the whole
 *   file (plain HTTP, 400; tested with ctr 1.6.20). So for an IPv6 registry the settings go on the
 *   top-level `server` entry (capabilities, ca and client apply to it, per hosts.md), and the host
 *   entry is written as dotted keys (`host."https://[::1]:5000".ca = "ca.crt"`), which go-toml v1
 *   reads with TLS verified and every TOML parser sees as a proper `host` table;
 * - containerd 2.x (go-toml v2; test/fixtures/upstream/containerd-2-hosts.json): endpoints are the
 *   `[host."…"]` table headers in file order, then the top-level server entry; dotted keys are decoded
 *   but not endpoints, so the IPv6 file is served by its top-level entry, with the same CA. 2.x
 *   also reads `/etc/docker/certs.d` by default (config_path, since 2.2). registry.mirrors/configs
 *   are never written (removed in 2.4; `mirrors` with config_path is a validation error);
 * - CRI reads certs.d only when `config_path` is set (default only from containerd 2.2); ctr needs
 *   `--hosts-dir`. hosts.toml edits need no restart; a config.toml edit does.
 */
import { posix } from "node:path";
import { CA_FILE, CLIENT_CERT_FILE, CLIENT_KEY_FILE, planCertsDir } from "./certs-dir.js";
import { httpsUrl } from "./host-port.js";
import type { ExistingFiles, TargetInput, TargetName, TargetPlan, TargetSpec, TrustFile } from "./types.js";

export const CONTAINERD_CERTS_DIR = "/etc/containerd/certs.d";
export const CONTAINERD_CONFIG = "/etc/containerd/config.toml";

/**
 * The hosts.toml for one registry directory name (`registry.local:5000`, `[fd00::1]:5000`, or
 * `registry.local` for a registry on 443). Deterministic; `withClient` adds the client pair.
 */
export function renderHostsToml(directoryName: string, withClient: boolean): string {
  const url = httpsUrl(directoryName);
  const header = [
    `# Written by regcert install-trust: TLS trust for the registry ${directoryName}.`,
    "# containerd reads it when its registry config_path includes this certs.d directory (ctr: --hosts-dir).",
  ];
  const settings = ['capabilities = ["pull", "resolve", "push"]', `ca = "${CA_FILE}"`];
  if (withClient) settings.push(`client = [["${CLIENT_CERT_FILE}", "${CLIENT_KEY_FILE}"]]`);
  const lines = directoryName.startsWith("[")
    ? [
        ...header,
        "# IPv6: containerd 1.6 (go-toml v1) ignores a file whose table header holds ']'",
        "# ([host.\"https://[addr]:port\"]), so the settings are on the top-level server entry and",
        "# the host entry is written as dotted keys: 1.6 and 2.x both read it with this CA.",
        `server = "${url}"`,
        ...settings,
        ...settings.map((s) => `host."${url}".${s}`),
      ]
    : [...header, `server = "${url}"`, "", `[host."${url}"]`, ...settings.map((s) => `  ${s}`)];
  return `${lines.join("\n")}\n`;
}

/** The IPv6 hosts.toml regcert wrote before the dotted host entry (still regcert's on uninstall and re-install). */
function legacyIpv6HostsToml(directoryName: string, withClient: boolean): string[] {
  if (!directoryName.startsWith("[")) return [];
  const settings = ['capabilities = ["pull", "resolve", "push"]', `ca = "${CA_FILE}"`];
  if (withClient) settings.push(`client = [["${CLIENT_CERT_FILE}", "${CLIENT_KEY_FILE}"]]`);
  const lines = [
    `# Written by regcert install-trust: TLS trust for the registry ${directoryName}.`,
    "# containerd reads it when its registry config_path includes this certs.d directory (ctr: --hosts-dir).",
    "# IPv6: the settings are on the server entry, because containerd 1.6 (go-toml v1) cannot parse a",
    "# table key with ']' in it ([host.\"https://[addr]:port\"]); the empty [host] table must stay.",
    `server = "${httpsUrl(directoryName)}"`,
    ...settings,
    "",
    "[host]",
  ];
  return [`${lines.join("\n")}\n`];
}

/** hosts.toml files beside ca.crt, for containerd and for microk8s. */
export function hostsTomlFiles(target: TargetName, certsDir: string, input: TargetInput) {
  return (directoryName: string, dir: string): TrustFile[] => {
    const withClient = input.client !== undefined;
    // the alternatives are read only by uninstall and ownership checks (and fleet ansible's accepted
    // hashes): made on first read, so planning 10,000 registries for other renderers skips them
    let alternatives: string[] | undefined;
    return [
      {
        target,
        base: input.base,
        path: dir.endsWith("/") ? posix.join(dir, "hosts.toml") : `${dir}/hosts.toml`,
        contents: renderHostsToml(directoryName, withClient),
        mode: 0o644,
        role: "hosts-toml",
        ownership: "whole",
        guard: certsDir,
        registry: directoryName,
        get alternatives() {
          alternatives ??= [renderHostsToml(directoryName, !withClient), ...legacyIpv6HostsToml(directoryName, withClient), ...legacyIpv6HostsToml(directoryName, !withClient)];
          return alternatives;
        },
      },
    ];
  };
}

export interface ConfigPathState {
  /** config_path is set and lists /etc/containerd/certs.d */
  includesCertsDir: boolean;
  /** config.toml `version` (2 for containerd 1.x, 3 for 2.x), when the file says */
  version: number | undefined;
  /** the config_path value, when set */
  configPath: string | undefined;
}

/** Reads config_path from a containerd config.toml (a plain scan: enough to decide whether to warn). */
export function inspectContainerdConfig(text: string | undefined): ConfigPathState {
  if (text === undefined) return { includesCertsDir: false, version: undefined, configPath: undefined };
  const uncommented = text.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
  const version = /^\s*version\s*=\s*(\d+)/m.exec(uncommented)?.[1];
  const configPath = /^\s*config_path\s*=\s*["']([^"']*)["']/m.exec(uncommented)?.[1];
  const includesCertsDir = configPath !== undefined && configPath.split(":").some((p) => posix.normalize(p) === CONTAINERD_CERTS_DIR);
  return { includesCertsDir, version: version === undefined ? undefined : Number(version), configPath };
}

/** The exact config.toml lines that make CRI read certs.d (containerd < 2.2 needs them). */
export function configPathLines(version: number | undefined): string[] {
  const section = version === 3 ? '[plugins."io.containerd.cri.v1.images".registry]' : '[plugins."io.containerd.grpc.v1.cri".registry]';
  return [section, `  config_path = "${CONTAINERD_CERTS_DIR}"`];
}

function configWarning(existing: ExistingFiles): string | undefined {
  const state = inspectContainerdConfig(existing[CONTAINERD_CONFIG]?.contents);
  if (state.includesCertsDir) return undefined;
  const lines = configPathLines(state.version);
  const now = state.configPath === undefined ? "does not set config_path" : `sets config_path = "${state.configPath}", without ${CONTAINERD_CERTS_DIR}`;
  return [
    `containerd: ${CONTAINERD_CONFIG} ${now}; containerd before 2.2 then ignores certs.d for Kubernetes (CRI) pulls. Add these lines (merge into an existing section of that name; remove registry.mirrors/registry.configs there, which conflict), then restart containerd (sudo systemctl restart containerd):`,
    ...lines.map((l) => `    ${l}`),
    `  ctr reads it only with --hosts-dir ${CONTAINERD_CERTS_DIR}`,
  ].join("\n");
}

export function planContainerdTrust(input: TargetInput): TargetPlan {
  const certsDir = CONTAINERD_CERTS_DIR;
  const plan = planCertsDir(input, { target: "containerd", certsDir, ownedParents: [posix.dirname(certsDir)], ownsCertsDir: true, extra: hostsTomlFiles("containerd", certsDir, input) });
  plan.notes.push(`containerd: hosts.toml changes need no restart; ctr: ctr images pull --hosts-dir ${certsDir} ${input.hosts[0]?.hostPort ?? "HOST:PORT"}/IMAGE`);
  const warning = configWarning(input.existing);
  if (warning) plan.warnings.push(warning);
  return plan;
}

export const containerdTarget: TargetSpec = {
  name: "containerd",
  label: "containerd (CRI, ctr, Docker 29's image store)",
  summary: "/etc/containerd/certs.d/<host:port>/hosts.toml + ca.crt (containerd 1.6 and 2.x)",
  output: "files",
  plan: planContainerdTrust,
  markers: ["/usr/bin/containerd", "/usr/local/bin/containerd", "/etc/containerd/config.toml", "/etc/containerd/certs.d"],
  perUser: "no",
  inAll: true,
  kubernetes: "daemonset",
  reads: [CONTAINERD_CONFIG],
};
