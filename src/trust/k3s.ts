/**
 * k3s: `/etc/rancher/k3s/registries.yaml`, read at k3s start (docs.k3s.io/installation/private-registry).
 * regcert merges, with a YAML library that keeps everything else in the file (auth, other registries,
 * comments), for each registry name:
 *   configs."<host[:port]>".tls.ca_file (+ cert_file/key_file)   -> files under /etc/rancher/k3s/regcert/
 *   mirrors."<host[:port]>".endpoint = ["https://<host[:port]>"]  (only when absent: some 2024 k3s
 *   releases applied `configs` TLS only to mirror endpoints, k3s-io/k3s#9839)
 * k3s renders these into its own containerd hosts.toml on restart, so the change needs
 * `systemctl restart k3s` (or k3s-agent). Uninstall removes exactly these entries.
 */
import { posix } from "node:path";
import { Document, isMap, parseDocument, type YAMLMap } from "yaml";
import { userError } from "../pki/errors.js";
import { planCertsDir } from "./certs-dir.js";
import { httpsUrl, type RegistryHost } from "./host-port.js";
import type { TargetInput, TargetPlan, TargetSpec, TrustFile, TrustPlan } from "./types.js";

export const K3S_REGISTRIES = "/etc/rancher/k3s/registries.yaml";
/** Where regcert keeps the files registries.yaml points at (k3s regenerates its own certs.d). */
export const K3S_CERTS_DIR = "/etc/rancher/k3s/regcert";

/** The registries.yaml entries for one registry name. */
export interface K3sEntry {
  name: string;
  caFile: string;
  certFile?: string;
  keyFile?: string;
}

const HEADER = " k3s private registry configuration (docs.k3s.io/installation/private-registry); restart k3s after changes";

function load(text: string | undefined, path: string = K3S_REGISTRIES): Document {
  if (text === undefined || text.trim() === "") {
    const doc = new Document({});
    doc.commentBefore = HEADER;
    return doc;
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw userError("regcert.badRegistriesYaml", `${path} is not valid YAML (${doc.errors[0]?.message.split("\n")[0] ?? "parse error"}); regcert will not rewrite it`, "fix the file, or move it away and re-run");
  if (doc.contents !== null && !isMap(doc.contents)) throw userError("regcert.badRegistriesYaml", `${path} is not a YAML mapping; regcert will not rewrite it`, "fix the file, or move it away and re-run");
  for (const key of ["configs", "mirrors"]) {
    const section = doc.get(key);
    if (section !== undefined && section !== null && !isMap(section)) throw userError("regcert.badRegistriesYaml", `${path}: "${key}" is not a mapping; regcert will not rewrite it`, "fix the file, or move it away and re-run");
  }
  return doc;
}

/** Merges regcert's entries into registries.yaml text (undefined: no file yet). Deterministic. */
export function mergeRegistriesYaml(existing: string | undefined, entries: readonly K3sEntry[], path: string = K3S_REGISTRIES): string {
  const doc = load(existing, path);
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  for (const entry of entries) {
    doc.setIn(["configs", entry.name, "tls", "ca_file"], entry.caFile);
    if (entry.certFile && entry.keyFile) {
      doc.setIn(["configs", entry.name, "tls", "cert_file"], entry.certFile);
      doc.setIn(["configs", entry.name, "tls", "key_file"], entry.keyFile);
    }
    if (!doc.hasIn(["mirrors", entry.name])) doc.setIn(["mirrors", entry.name], doc.createNode({ endpoint: [httpsUrl(entry.name)] }));
  }
  return doc.toString({ lineWidth: 0 });
}

const mapSize = (node: unknown): number => (isMap(node) ? (node as YAMLMap).items.length : 0);

/**
 * Removes regcert's entries (only values equal to what regcert writes). Returns the new text, or
 * `null` when nothing else is left in the file (delete it).
 */
export function unmergeRegistriesYaml(existing: string, entries: readonly K3sEntry[]): string | null {
  const doc = load(existing);
  for (const entry of entries) {
    const tls = ["configs", entry.name, "tls"];
    const remove = (key: string, value: string | undefined) => {
      if (value !== undefined && doc.getIn([...tls, key]) === value) doc.deleteIn([...tls, key]);
    };
    remove("ca_file", entry.caFile);
    remove("cert_file", entry.certFile);
    remove("key_file", entry.keyFile);
    if (doc.hasIn(tls) && mapSize(doc.getIn(tls)) === 0) doc.deleteIn(tls);
    if (doc.hasIn(["configs", entry.name]) && mapSize(doc.getIn(["configs", entry.name])) === 0) doc.deleteIn(["configs", entry.name]);
    const mirror = doc.getIn(["mirrors", entry.name]);
    if (isMap(mirror)) {
      const json = JSON.stringify((mirror as YAMLMap).toJSON());
      if (json === JSON.stringify({ endpoint: [httpsUrl(entry.name)] })) doc.deleteIn(["mirrors", entry.name]);
    }
  }
  for (const key of ["configs", "mirrors"]) if (doc.has(key) && mapSize(doc.get(key)) === 0) doc.delete(key);
  if (doc.contents === null || mapSize(doc.contents) === 0) return null;
  return doc.toString({ lineWidth: 0 });
}

/** The entries regcert manages for this input. */
export function k3sEntries(hosts: readonly RegistryHost[], withClient: boolean): K3sEntry[] {
  const out: K3sEntry[] = [];
  for (const host of hosts) {
    for (const name of host.directoryNames) {
      const dir = posix.join(K3S_CERTS_DIR, name);
      out.push({
        name,
        caFile: posix.join(dir, "ca.crt"),
        ...(withClient ? { certFile: posix.join(dir, "client.cert"), keyFile: posix.join(dir, "client.key") } : {}),
      });
    }
  }
  return out;
}

export function planK3sTrust(input: TargetInput): TargetPlan {
  const plan = planCertsDir(input, { target: "k3s", certsDir: K3S_CERTS_DIR, ownedParents: ["/etc/rancher", "/etc/rancher/k3s"], ownsCertsDir: true });
  const existing = input.existing[K3S_REGISTRIES];
  plan.files.push({
    target: "k3s",
    base: "root",
    path: K3S_REGISTRIES,
    contents: mergeRegistriesYaml(existing?.contents, k3sEntries(input.hosts, input.client !== undefined)),
    mode: existing?.mode ?? 0o600,
    role: "registries-yaml",
    ownership: "merge",
    guard: K3S_REGISTRIES,
  });
  plan.refresh.push({ target: "k3s", install: ["systemctl", "restart", "k3s"], uninstall: ["systemctl", "restart", "k3s"], run: "print", why: "k3s reads registries.yaml only at start (on agents: systemctl restart k3s-agent); every node that pulls needs it" });
  return plan;
}

/** Uninstall of the merged registries.yaml: cert_file/key_file go when they name regcert's paths, with or without --client-* now. */
function unmergeK3s(_file: TrustFile, current: string, plan: TrustPlan): string | null {
  return unmergeRegistriesYaml(current, k3sEntries(plan.hosts, true));
}

export const k3sTarget: TargetSpec = {
  name: "k3s",
  label: "k3s",
  summary: "/etc/rancher/k3s/registries.yaml (merged) + CA files under /etc/rancher/k3s/regcert; restart printed",
  output: "files",
  plan: planK3sTrust,
  markers: ["/usr/local/bin/k3s", "/etc/rancher/k3s"],
  perUser: "no",
  inAll: true,
  kubernetes: "node-step",
  reads: [K3S_REGISTRIES],
  unmerge: unmergeK3s,
};
