/**
 * The line-by-line writers (src/fleet/yaml-writer.ts and the renderers that use it) against the
 * libraries they replace: every output must be, byte for byte, what the `yaml` package writes for the
 * same object (and JSON.stringify(config, null, 2) for Ignition). Judged on:
 * - scalars: tricky strings (YAML 1.1 booleans, octal, sexagesimal, timestamps, indicators, `{{ }}`,
 *   control characters, non-ASCII, blocks with blank lines, leading spaces, no final newline) and
 *   seeded random strings, as values at several depths, as keys and as literal blocks;
 * - whole renderings for plans with IPv6, IPv4, port 443, a two-CA bundle, a client pair, the system
 *   and k3s targets, compared with the renderers as they were written with the `yaml` package (76d4c39).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { renderFleet, type RenderFleetOptions } from "../../../src/fleet/index.js";
import { yamlDocuments } from "../../../src/fleet/yaml-docs.js";
import { YAML_OPTIONS, yamlBlockAt, yamlKey, yamlValue } from "../../../src/fleet/yaml-writer.js";
import { caBundlePem } from "../../../src/trust/material.js";
import type { TrustPlan } from "../../../src/trust/types.js";
import { REPO } from "../../helpers/cli.js";

const fixture = (name: string) => readFileSync(join(REPO, "test/fixtures/trust", name), "utf8");
const CA = fixture("ca-a.crt");
const CA_B = fixture("ca-b.crt");

const TRICKY = [
  "", " ", "a", "y", "Y", "n", "yes", "No", "on", "OFF", "true", "False", "null", "Null", "~", "0644", "0o644", "0x1F", "0b101", "1_000", "1:20", "1:20.5", "190:20:30",
  "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1.5", "-1", "+1", ".5", ".inf", "-.Inf", ".nan", "1e3", "6.8523015e+5", "-", "?", ":", "-x", "?x", ":x", "x:", "a: b", "a:b",
  "a #b", "a#b", "#a", "&a", "*a", "!a", "|a", ">a", "'a'", '"a"', "%a", "@a", "`a", "[a]", "{a}", "a,b", "a]", "---", "...", "--- a", "... a", "a\u0007b", "caf\u00e9", "\u{1F600}",
  "{{ 7*7 }}", "{% raw %}", "a\tb", "a\nb", "a\nb\n", "a\n\nb\n", " a\nb\n", "a \nb\n", "a\nb\n\n", "\na\n", "a\n ", "\n", "--- \nb\n", "...\nb\n",
  "/etc/docker/certs.d/[::1]:5000/ca.crt", "/etc/docker/certs.d/reg.example.test:5000/hosts.toml", "[::1]:5000", "[2001:db8::1]", "192.0.2.10:5000", "192.0.2.10", "reg.example.test..5000", "reg.example.test",
  "root:root", "localhost", "registry", "yesterday", "nullable", "onion", "Trueish", "x".repeat(600), `${"a".repeat(2000)}\n`,
];

/** Seeded random strings from an alphabet of YAML's special characters. */
function randomStrings(count: number): string[] {
  let seed = 15;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = ["a", "Z", "0", "1", "9", "_", ".", "/", ":", "-", "[", "]", "#", " ", "\n", "'", '"', "!", "&", "*", "|", ">", "%", "@", "`", "?", ",", "{", "}", "~", "+", "e", "\t", "\u00e9"];
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""));
}

const ALL = [...TRICKY, ...randomStrings(3000)];

describe("scalars as the yaml package writes them", () => {
  test("values at column 0 (a document's top-level mapping)", () => {
    for (const text of ALL) expect(`k: ${yamlValue(text, 0)}\n`).toBe(stringify({ k: text }, YAML_OPTIONS));
  });

  test("values at column 4 (a mapping in a list under a key: cloud-init write_files)", () => {
    for (const text of ALL) expect(`w:\n  - path: ${yamlValue(text, 4)}\n    content: ${yamlValue(text, 4)}\n`).toBe(stringify({ w: [{ path: text, content: text }] }, YAML_OPTIONS));
  });

  test("values at column 2 under keys (the OpenShift ConfigMap data)", () => {
    const keys = ALL.filter((k) => !k.includes("\n") && k.length < 100);
    for (const key of keys) expect(`data:\n  ${yamlKey(key, 2)}: ${yamlValue(key, 2)}\n`).toBe(stringify({ data: { [key]: key } }, YAML_OPTIONS));
  });

  test("keys at column 6 (the Talos legacy machine.registries.config)", () => {
    const keys = ALL.filter((k) => !k.includes("\n") && k.length < 100);
    for (const key of keys) expect(`a:\n  b:\n    c:\n      ${yamlKey(key, 6)}: 0\n`).toBe(stringify({ a: { b: { c: { [key]: 0 } } } }, YAML_OPTIONS));
  });

  test("a rendered block shifted to a column (the Talos legacy tls entry)", () => {
    const value = { tls: { ca: "LS0tLS1CRUdJTg==", clientIdentity: { crt: "Y3J0", key: "a2V5" } }, pem: CA };
    expect(`a:\n  b:\n    c:\n      d:\n${yamlBlockAt(value, 8)}`).toBe(stringify({ a: { b: { c: { d: value } } } }, YAML_OPTIONS));
  });
});

/** The renderers as they were (76d4c39): the same objects through the yaml package / JSON.stringify. */
const before = {
  cloudInit(plan: TrustPlan): string {
    const config: Record<string, unknown> = {};
    if (plan.targets.includes("system")) config.ca_certs = { trusted: plan.cas.map((c) => c.pem) };
    const files = plan.files.filter((f) => f.target !== "system");
    if (files.length > 0) config.write_files = files.map((f) => ({ path: f.path, content: f.contents, owner: "root:root", permissions: `0${f.mode.toString(8)}`, defer: false }));
    return stringify(config, YAML_OPTIONS);
  },
  ignition(plan: TrustPlan): string {
    const dataUrl = (text: string) => `data:;base64,${Buffer.from(text, "utf8").toString("base64")}`;
    const config = {
      ignition: { version: "3.4.0" },
      storage: {
        directories: plan.directories.map((d) => ({ path: d.path, mode: d.mode })),
        files: plan.files.map((f) => ({ path: f.path, overwrite: true, mode: f.mode, contents: { source: dataUrl(f.contents) } })),
      },
    };
    return `${JSON.stringify(config, null, 2)}\n`;
  },
  talos(plan: TrustPlan, legacy: boolean): string {
    const ca = caBundlePem(plan.cas);
    const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
    const cert = plan.files.find((f) => f.role === "client-cert")?.contents;
    const key = plan.files.find((f) => f.role === "client-key")?.contents;
    const client = cert !== undefined && key !== undefined ? { cert, key } : undefined;
    if (legacy) {
      const config: Record<string, unknown> = {};
      for (const host of plan.hosts) config[host.hostPort] = { tls: { ca: b64(ca), ...(client ? { clientIdentity: { crt: b64(client.cert), key: b64(client.key) } } : {}) } };
      return yamlDocuments([{ machine: { registries: { config } } }], []);
    }
    return yamlDocuments(plan.hosts.map((host) => ({ apiVersion: "v1alpha1", kind: "RegistryTLSConfig", name: host.hostPort, ca, ...(client ? { clientIdentity: { cert: client.cert, key: client.key } } : {}) })), []);
  },
  openshiftConfigMap(plan: TrustPlan): string {
    const bundle = caBundlePem(plan.cas);
    const data: Record<string, string> = {};
    for (const host of plan.hosts) data[host.hostPort.replace(":", "..")] = bundle;
    const labels = { "app.kubernetes.io/name": "regcert-registry-ca", "app.kubernetes.io/component": "registry-trust", "app.kubernetes.io/managed-by": "regcert" };
    return yamlDocuments([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "regcert-registry-ca", namespace: "openshift-config", labels }, data }], []);
  },
};

const HOSTS = ["reg.example.test:5000", "192.0.2.10:5000", "reg.example.test", "[2001:db8::1]:5000", "[::1]", "yes.example.test:5000", "on:5000", "n", "Reg7.Example.Test:443", "10.0.0.1"];
const V4_HOSTS = HOSTS.filter((h) => !h.startsWith("["));
const CLIENT = { clientCertPem: fixture("client-a.crt"), clientKeyPem: fixture("client-a.key") };

/** Drops the `#` comment header the renderers put first. */
const body = (text: string) => text.replace(/^(#[^\n]*\n)*/, "");

describe("renderings as the yaml package wrote them", () => {
  const cases: [string, Partial<RenderFleetOptions>][] = [
    ["defaults", {}],
    ["two CAs, system and k3s, a client pair", { caPem: `${CA}${CA_B}`, targets: ["docker", "containerd", "containers", "system", "k3s"], ...CLIENT }],
    ["rhel system store", { targets: ["system", "docker"], systemFamily: "rhel" }],
  ];
  test.each(cases)("cloud-init and ignition: %s", (_label, extra) => {
    for (const engine of ["cloud-init", "ignition"] as const) {
      const { plan, rendering } = renderFleet({ engine, hosts: HOSTS, caPem: CA, ...extra });
      expect(body(rendering.stdout)).toBe(engine === "cloud-init" ? before.cloudInit(plan) : before.ignition(plan));
    }
  });

  test.each([
    ["one CA", {}],
    ["two CAs and a client pair", { caPem: `${CA}${CA_B}`, ...CLIENT }],
  ] as [string, Partial<RenderFleetOptions>][])("talos, legacy talos and openshift: %s", (_label, extra) => {
    for (const legacy of [false, true]) {
      const { plan, rendering } = renderFleet({ engine: "talos", hosts: HOSTS, caPem: CA, ...extra, ...(legacy ? { talosLegacy: true } : {}) });
      expect(body(rendering.stdout)).toBe(before.talos(plan, legacy));
    }
    const { clientCertPem: _c, clientKeyPem: _k, ...noClient } = extra;
    const { plan, rendering } = renderFleet({ engine: "openshift", hosts: V4_HOSTS, caPem: CA, ...noClient });
    expect(body(rendering.files.find((f) => f.path === "openshift-configmap.yaml")?.contents ?? "")).toBe(before.openshiftConfigMap(plan));
  });

  test("cloud-init with only the system target, and with nothing but the OS store", () => {
    const { plan, rendering } = renderFleet({ engine: "cloud-init", hosts: HOSTS, caPem: CA, targets: ["system"] });
    expect(body(rendering.stdout)).toBe(before.cloudInit(plan));
  });
});
