/**
 * Registries as clients name them: `HOST[:PORT]`, `[IPv6]:PORT`, and the per-registry directory names
 * runtimes look up.
 *
 * Facts (reference/trust-locations.md, upstream source):
 * - Docker (moby `hostCertsDir`) and containers/image (`dockerCertDir`) join the certs.d root with the
 *   registry part of the image reference exactly as typed: `host`, `host:port`, `[v6]:port` (brackets
 *   kept: Go's reference grammar needs them for IPv6, and the path is built from that string).
 * - containerd (`hostPaths` in remotes/docker/config) tries `host_port_` then `host:port` then
 *   `_default`; for `[::1]:5000` that is `[::1]_5000_` then `[::1]:5000`. We write `host:port`, the one
 *   name all three runtimes share.
 * - An image reference without a port means 443, and is looked up without the port: a registry on
 *   443 gets the directory `host` and also `host:443` (for references that spell the port out).
 * - The port is the one clients type (a published port such as 444), not the container's 443.
 */
import { type ErrorText, opt, phrase, userError } from "../pki/errors.js";
import { classifyName } from "../pki/names.js";
import { hasControlCharacters, sanitizeForTerminal } from "../text/sanitize.js";

/** One registry endpoint, normalised. */
export interface RegistryHost {
  /** normalised host: lower-case DNS name, IPv4, or IPv6 in RFC 5952 form without brackets */
  host: string;
  type: "dns" | "ip";
  /** the TCP port clients connect to (443 when none was given) */
  port: number;
  /** the host as it appears in image references and URLs: IPv6 in brackets */
  hostInReference: string;
  /** how clients type it: `registry.local:5000`, `[fd00::1]:5000`, or just `registry.local` for 443 */
  hostPort: string;
  /** per-registry directory names under a certs.d root: `["h:5000"]`, or `["h", "h:443"]` for 443 */
  directoryNames: string[];
}

/** Errors name the host as `hosts` (PlanTrustOptions.hosts; the CLI prints --host). */
const bad = (input: string, why: string, hint: ErrorText = phrase`write it as HOST[:PORT], e.g. ${opt("hosts", "registry.local:5000")}`) =>
  userError("regcert.invalidHost", phrase`${opt("hosts", `"${sanitizeForTerminal(input)}"`)} ${why}`, hint);
const example = (host: string) => phrase`e.g. ${opt("hosts", host)}`;

function parsePort(text: string, input: string): number {
  if (!/^\d{1,5}$/.test(text)) throw bad(input, `has an invalid port "${text}": use 1 to 65535`, example("registry.local:5000"));
  if (text.length > 1 && text.startsWith("0")) throw bad(input, `has a port with a leading zero ("${text}"); clients would not type it that way`, `write ${String(Number(text))}`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw bad(input, `has an invalid port ${port}: use 1 to 65535`, example("registry.local:5000"));
  return port;
}

/**
 * Parses `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`. HOST must be a valid DNS name (no wildcard)
 * or IP address; a bare IPv6 address is refused because `::1:5000` is itself a valid address (write
 * `[::1]:5000`, as in image references). Throws a user error (exit 2) naming the bad part.
 */
export function parseRegistryHost(input: string): RegistryHost {
  // "reg.example.test\n:5000" must not quietly become reg.example.test:5000
  if (hasControlCharacters(input)) throw bad(input, "contains a control character or line break", "retype the host without it");
  if (input !== input.trim()) throw bad(input, "starts or ends with white space", phrase`write it without the spaces: ${opt("hosts", input.trim() || "registry.local:5000")}`);
  const raw = input;
  if (raw === "") throw userError("regcert.invalidHost", phrase`${opt("hosts")} is empty`, example("registry.local:5000"));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw bad(input, "has a URL scheme", phrase`give HOST[:PORT] only, e.g. ${opt("hosts", raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").replace(/\/.*$/, ""))}`);
  if (raw.includes("/")) throw bad(input, "has a path; certs.d names a registry host, not a repository", example(raw.replace(/\/.*$/, "")));
  let hostText: string;
  let portText: string | undefined;
  if (raw.startsWith("[")) {
    const close = raw.indexOf("]");
    if (close < 0) throw bad(input, "has an unbalanced '['", "write IPv6 as [ADDRESS]:PORT, e.g. [fd00::1]:5000");
    hostText = raw.slice(1, close);
    const rest = raw.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) throw bad(input, `has unexpected text "${rest}" after the address`, "write IPv6 as [ADDRESS]:PORT, e.g. [fd00::1]:5000");
      portText = rest.slice(1);
    }
    if (!hostText.includes(":")) throw bad(input, "has brackets around something that is not an IPv6 address", "brackets are only for IPv6 addresses");
  } else {
    const colons = raw.split(":").length - 1;
    if (colons > 1) throw bad(input, "looks like an IPv6 address without brackets", `write it as [ADDRESS] or [ADDRESS]:PORT, as in image references (e.g. [${raw}] for port 443)`);
    [hostText = "", portText] = raw.split(":");
    if (portText === "") throw bad(input, "has an empty port", example("registry.local:5000"));
  }
  const name = classifyName(hostText);
  if (name.type === "dns" && name.value.startsWith("*.")) throw bad(input, "is a wildcard; a registry host is one name", phrase`give each host clients use, e.g. ${opt("hosts", "registry.local:5000")}`);
  if (raw.startsWith("[") && name.type !== "ip") throw bad(input, "has brackets around something that is not an IPv6 address");
  const port = portText === undefined ? 443 : parsePort(portText, input);
  const hostInReference = name.type === "ip" && name.value.includes(":") ? `[${name.value}]` : name.value;
  const withPort = `${hostInReference}:${port}`;
  return {
    host: name.value,
    type: name.type,
    port,
    hostInReference,
    hostPort: port === 443 ? hostInReference : withPort,
    directoryNames: port === 443 ? [hostInReference, withPort] : [withPort],
  };
}

/**
 * Parses several hosts, keeping the first of duplicates (same normalised host and port: `Reg.Example:5000`
 * and `reg.example:5000` are one registry). Linear: duplicates are found through a Set of hostPort, so a
 * fleet list of 10,000 registries costs 10,000 parses, not 50 million comparisons.
 */
export function parseRegistryHosts(inputs: readonly string[]): RegistryHost[] {
  const out: RegistryHost[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const parsed = parseRegistryHost(input);
    if (seen.has(parsed.hostPort)) continue;
    seen.add(parsed.hostPort);
    out.push(parsed);
  }
  return out;
}

/** The https URL of a registry directory name (`https://h:5000`, `https://h` for the 443 alias). */
export const httpsUrl = (directoryName: string): string => `https://${directoryName}`;
