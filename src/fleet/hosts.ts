/**
 * The registry list of a fleet: `--host` flags and `--hosts-from FILE|-` (one HOST[:PORT] per line,
 * `#` comments and blank lines ignored, CRLF accepted). Unlike install-trust, which quietly keeps the
 * first of two equal hosts, a fleet list with a duplicate is refused: in a list of thousands a
 * duplicate is a copy-paste slip that may hide the host that was meant. Every refusal names the line.
 */
import { type ErrorText, opt, type Phrase, phrase, RegcertError, userError } from "../pki/errors.js";
import { hasControlCharacters, sanitizeForTerminal } from "../text/sanitize.js";
import { parseRegistryHost, type RegistryHost } from "../trust/host-port.js";

/** Where a host came from, for messages: `hosts.txt line 12` or `--host #2`. */
export interface HostSource {
  host: string;
  where: string;
}

/** An error text with each literal part escaped for a terminal (option references are ours). */
function sanitizePhrase(text: ErrorText): Phrase {
  return typeof text === "string" ? [sanitizeForTerminal(text)] : text.map((part) => (typeof part === "string" ? sanitizeForTerminal(part) : part));
}

/** Splits a hosts file into entries with their line numbers (comments, blank lines dropped). */
export function readHostLines(text: string, name: string): HostSource[] {
  const out: HostSource[] = [];
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((raw, index) => {
    const where = `${name} line ${index + 1}`;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (hasControlCharacters(line.replace(/\t/g, " "))) {
      throw userError("regcert.invalidHost", `${where} holds a control character: ${sanitizeForTerminal(line)}`, `edit ${name}: one HOST[:PORT] per line, printable characters only`);
    }
    const value = line.replace(/(^|\s)#.*$/, "").trim();
    if (value === "") return;
    if (/\s/.test(value)) throw userError("regcert.invalidHost", `${where} holds more than one word: "${sanitizeForTerminal(value)}"`, `edit ${name}: one HOST[:PORT] per line`);
    out.push({ host: value, where });
  });
  return out;
}

/**
 * Validates every host (the same parser as install-trust) and refuses duplicates (same host and port
 * as clients type them). Returns the hosts in order; errors name the line or flag of the bad entry.
 */
export function checkHostList(entries: readonly HostSource[]): string[] {
  return checkHosts(entries).hosts;
}

/**
 * checkHostList, also returning every host parsed (what parseRegistryHosts would return for them: no
 * duplicates survive the check), so planning does not parse the list a second time (renderFleet's
 * parsedHosts).
 */
export function checkHosts(entries: readonly HostSource[]): { hosts: string[]; parsed: RegistryHost[] } {
  if (entries.length === 0) throw userError("regcert.noHosts", "no registry host given", phrase`use ${opt("hosts", "registry.local:5000")} (repeatable) or ${opt("hostsFrom", "FILE")} (one per line)`);
  const seen = new Map<string, string>();
  const hosts: string[] = [];
  const parsed: RegistryHost[] = [];
  for (const entry of entries) {
    if (hasControlCharacters(entry.host)) throw userError("regcert.invalidHost", `${entry.where} holds a control character: ${sanitizeForTerminal(entry.host)}`, "give printable HOST[:PORT] values only");
    let host: RegistryHost;
    try {
      host = parseRegistryHost(entry.host);
    } catch (error) {
      // message and hint keep their option references (phrases), so the CLI still prints its flags
      if (error instanceof RegcertError) throw userError(error.code, [`${entry.where}: `, ...sanitizePhrase(error.phrases.message)], error.phrases.hint ?? "one HOST[:PORT] per line, e.g. registry.local:5000");
      throw error;
    }
    const hostPort = host.hostPort;
    const first = seen.get(hostPort);
    if (first !== undefined) throw userError("regcert.duplicateHost", `${entry.where}: ${hostPort} is listed twice (first at ${first})`, "remove one of the two lines");
    seen.set(hostPort, entry.where);
    hosts.push(entry.host);
    parsed.push(host);
  }
  return { hosts, parsed };
}
