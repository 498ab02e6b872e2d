/**
 * Uninstall decides by content: it removes what regcert would write (or wrote before a CA rollover)
 * and never a file someone else put there. Pure: planTrustRemoval over an in-memory file map.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { REPO } from "../../helpers/cli.js";
import { planTrust, planTrustRemoval, type CurrentFile } from "../../../src/trust/plan.js";
import { mergeRegistriesYaml, unmergeRegistriesYaml, k3sEntries } from "../../../src/trust/k3s.js";
import { renderHostsToml } from "../../../src/trust/containerd.js";
import { parseRegistryHosts } from "../../../src/trust/host-port.js";
import { parseClientPair, parseTrustCas } from "../../../src/trust/material.js";

const fixture = (name: string) => readFileSync(join(REPO, "test", "fixtures", "trust", name), "utf8");
const CA_A = fixture("ca-a.crt");
const CA_B = fixture("ca-b.crt");
const CLIENT_CERT = fixture("client-a.crt");
const CLIENT_KEY = fixture("client-a.key");
const DIR = "/etc/docker/certs.d/registry.local:5000";
/** a valid key that belongs to no certificate here */
const otherKey = readFileSync(join(REPO, "test", "fixtures", "keys", "leaf-p256.key"), "utf8");

function removalFor(files: Record<string, string>, options: { caPem?: string; targets?: Array<"docker" | "containerd" | "k3s" | "system"> } = {}) {
  const plan = planTrust({ hosts: ["registry.local:5000"], caPem: options.caPem ?? CA_A, targets: options.targets ?? ["docker"] });
  const current = (path: string): CurrentFile => (files[path] === undefined ? undefined : { contents: files[path] as string, mode: 0o644 });
  const removal = planTrustRemoval(plan, current);
  return { remove: removal.remove.map((f) => f.path).sort(), keep: removal.keep.map((k) => k.file.path).sort(), rewrite: removal.rewrite, removal };
}

describe("planTrustRemoval", () => {
  test("removes regcert's ca.crt; nothing when nothing is there", () => {
    expect(removalFor({ [`${DIR}/ca.crt`]: CA_A }).remove).toEqual([`${DIR}/ca.crt`]);
    expect(removalFor({}).remove).toEqual([]);
  });

  test("a ca.crt with another CA, or edited by hand, is left alone", () => {
    expect(removalFor({ [`${DIR}/ca.crt`]: CA_B })).toMatchObject({ remove: [], keep: [`${DIR}/ca.crt`] });
    expect(removalFor({ [`${DIR}/ca.crt`]: `# my CA\n${CA_A}` })).toMatchObject({ remove: [], keep: [`${DIR}/ca.crt`] });
    expect(removalFor({ [`${DIR}/ca.crt`]: CA_A.replace(/\n/g, "\r\n") })).toMatchObject({ remove: [], keep: [`${DIR}/ca.crt`] });
  });

  test("a rollover bundle regcert wrote (old + new) counts as regcert's when uninstalling with only the new CA", () => {
    expect(removalFor({ [`${DIR}/ca.crt`]: CA_B + CA_A }, { caPem: CA_A }).remove).toEqual([`${DIR}/ca.crt`]);
  });

  test("client pair signed by the CA is found and removed even without --client-cert/--client-key", () => {
    const r = removalFor({ [`${DIR}/ca.crt`]: CA_A, [`${DIR}/client.cert`]: CLIENT_CERT, [`${DIR}/client.key`]: CLIENT_KEY });
    expect(r.remove).toEqual([`${DIR}/ca.crt`, `${DIR}/client.cert`, `${DIR}/client.key`]);
  });

  test("a client pair from another CA, or a key that does not match, stays", () => {
    const r = removalFor({ [`${DIR}/client.cert`]: CLIENT_CERT, [`${DIR}/client.key`]: CLIENT_KEY }, { caPem: CA_B });
    expect(r.remove).toEqual([]);
    expect(r.keep).toEqual([`${DIR}/client.cert`, `${DIR}/client.key`]);
    const r2 = removalFor({ [`${DIR}/client.cert`]: CLIENT_CERT, [`${DIR}/client.key`]: otherKey });
    expect(r2.remove).toEqual([`${DIR}/client.cert`]);
    expect(r2.keep).toEqual([`${DIR}/client.key`]);
  });

  test("hosts.toml: regcert's with or without the client line is removed; an edited one stays", () => {
    const dir = "/etc/containerd/certs.d/registry.local:5000";
    const ok = removalFor({ [`${dir}/hosts.toml`]: renderHostsToml("registry.local:5000", true), [`${dir}/ca.crt`]: CA_A }, { targets: ["containerd"] });
    expect(ok.remove).toEqual([`${dir}/ca.crt`, `${dir}/hosts.toml`]);
    const edited = removalFor({ [`${dir}/hosts.toml`]: `${renderHostsToml("registry.local:5000", false)}  skip_verify = true\n` }, { targets: ["containerd"] });
    expect(edited.keep).toEqual([`${dir}/hosts.toml`]);
  });

  test("system anchors: only the exact file for this CA", () => {
    const ours = "/usr/local/share/ca-certificates/regcert-9ed8514ea42a2e54.crt";
    expect(removalFor({ [ours]: CA_A }, { targets: ["system"] }).remove).toEqual([ours]);
    expect(removalFor({ [ours]: CA_A + CA_B }, { targets: ["system"] }).keep).toEqual([ours]);
    expect(removalFor({ [ours]: CA_A }, { targets: ["system"] }).removal.refresh.map((r) => r.uninstall.join(" "))).toEqual(["update-ca-certificates --fresh"]);
    expect(removalFor({}, { targets: ["system"] }).removal.refresh).toEqual([]);
  });

  test("directories are offered for removal deepest first", () => {
    expect(removalFor({}).removal.directories.map((d) => d.path)).toEqual([DIR, "/etc/docker/certs.d", "/etc/docker"]);
  });

  test("k3s registries.yaml: our entries go, everything else stays; a file with only ours is deleted", () => {
    const original = "# site registries\nmirrors:\n  docker.io:\n    endpoint:\n      - https://mirror.internal:5000\nconfigs:\n  registry.local:5000:\n    auth:\n      username: puller\n";
    const merged = mergeRegistriesYaml(original, k3sEntries(parseRegistryHosts(["registry.local:5000"]), true));
    const restored = unmergeRegistriesYaml(merged, k3sEntries(parseRegistryHosts(["registry.local:5000"]), true));
    expect(restored).not.toBeNull();
    expect(parseYaml(restored as string)).toEqual(parseYaml(original));
    expect(restored).toBe(original);
    const fresh = mergeRegistriesYaml(undefined, k3sEntries(parseRegistryHosts(["registry.local:5000", "registry.example"]), false));
    expect(unmergeRegistriesYaml(fresh, k3sEntries(parseRegistryHosts(["registry.local:5000", "registry.example"]), true))).toBeNull();
  });

  test("k3s: a mirror entry the user changed is kept", () => {
    const merged = mergeRegistriesYaml(undefined, k3sEntries(parseRegistryHosts(["registry.local:5000"]), false)).replace("- https://registry.local:5000", "- https://other:5000");
    const left = parseYaml(unmergeRegistriesYaml(merged, k3sEntries(parseRegistryHosts(["registry.local:5000"]), false)) as string);
    expect(left).toEqual({ mirrors: { "registry.local:5000": { endpoint: ["https://other:5000"] } } });
  });
});

describe("what may go into a trust directory", () => {
  test("--ca with a private key, a leaf certificate, or nothing is refused", () => {
    expect(() => parseTrustCas(CA_A + CLIENT_KEY)).toThrow(/private key/);
    expect(() => parseTrustCas(CLIENT_CERT)).toThrow(/not a CA/);
    expect(() => parseTrustCas("hello")).toThrow(/no PEM certificate/);
  });

  test("the client pair must match, be a client certificate, and not a CA", () => {
    expect(parseClientPair(CLIENT_CERT, CLIENT_KEY, parseTrustCas(CA_A)).issuedByTrustedCa).toBe(true);
    expect(parseClientPair(CLIENT_CERT, CLIENT_KEY, parseTrustCas(CA_B)).issuedByTrustedCa).toBe(false);
    expect(() => parseClientPair(CA_A, CLIENT_KEY)).toThrow(/CA certificate/);
    expect(() => parseClientPair(CLIENT_CERT, otherKey)).toThrow(/does not belong/);
  });
});
