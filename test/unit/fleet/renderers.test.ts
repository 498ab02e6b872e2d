/**
 * Every fleet renderer against an independent judge, plus a golden of its output:
 * - ansible: `ansible-playbook --syntax-check` (the real engine's parser), and the YAML read back
 *   (with `!unsafe` as a tag) gives each planned file's exact bytes and mode;
 * - cloud-init: `cloud-init schema --config-file` (Debian's cloud-init), which rejects a broken one;
 * - ignition: the Ignition 3.4 spec schema (coreos/ignition, draft-04, ajv-draft-04), data: URLs decoded;
 * - talos: the Talos config schema (siderolabs/talos), legacy patch against its v1alpha1 definitions;
 * - openshift, pod-bundle: kubernetes-models (ConfigMap) and schemas derived from upstream (test data);
 * - bottlerocket: parsed as TOML (smol-toml), the base64 decodes to the CA.
 * Goldens: test/golden/fleet (UPDATE_GOLDEN=1 rewrites; under CI a missing golden fails).
 */
import { X509Certificate } from "node:crypto";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse as parseToml } from "smol-toml";
import { parseAllDocuments, type Tags } from "yaml";
import { renderFleet, type RenderFleetOptions } from "../../../src/fleet/index.js";
import { goldenPath, readGolden } from "../../helpers/golden.js";
import { REPO } from "../../helpers/cli.js";
import { runTool, toolAvailable } from "../../helpers/run-tool.js";

/** ajv-draft-04 is CommonJS with only a default export: loaded through require to keep its class type. */
const AjvDraft04 = (createRequire(import.meta.url)("ajv-draft-04") as { default: typeof Ajv }).default;

const fixture = (name: string) => readFileSync(join(REPO, "test/fixtures/trust", name), "utf8");
const schema = (name: string) => JSON.parse(readFileSync(join(REPO, "test/fixtures/schemas", name), "utf8")) as Record<string, unknown>;
const CA = fixture("ca-a.crt");
const HOSTS = ["reg.example.test:5000", "192.0.2.10:5000", "reg.example.test"];
const BASE = { hosts: HOSTS, caPem: CA };

function golden(name: string, text: string): void {
  if (process.env.CI === "true" && process.env.UPDATE_GOLDEN !== "1" && !existsSync(goldenPath(name))) throw new Error(`golden ${name} is missing (run with UPDATE_GOLDEN=1 and commit it)`);
  expect(text).toBe(readGolden(name, text));
}

/** Tools must exist under CI; elsewhere a missing one is a visible failure too (they are installed here). */
function requireTool(name: string): void {
  if (!toolAvailable(name)) throw new Error(`${name} is not installed (Debian package: see .ci/run)`);
}

const render = (options: Partial<RenderFleetOptions> & Pick<RenderFleetOptions, "engine">) => renderFleet({ ...BASE, ...options } as RenderFleetOptions);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "regcert-fleet-unit-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const unsafeTag: Tags = [{ tag: "!unsafe", resolve: (value: string) => value }];

describe("ansible", () => {
  const targets = ["docker", "containerd", "containers", "system", "k3s"] as const;
  const install = () => render({ engine: "ansible", targets: [...targets] });

  test("the playbook holds every planned file's exact bytes and mode, every planned string tagged !unsafe", () => {
    const { plan, rendering } = install();
    golden("fleet/ansible-install.yml", rendering.stdout);
    const docs = parseAllDocuments(rendering.stdout, { version: "1.1", customTags: unsafeTag });
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
    const play = (docs[0]?.toJSON() as Array<{ vars: Record<string, unknown> }>)[0];
    const vars = play?.vars as { regcert_contents: Record<string, string>; regcert_files: Array<{ path: string; content: string; mode: string; target: string }>; regcert_directories: Array<{ path: string; mode: string }> };
    expect(vars.regcert_files.map((f) => [f.path, vars.regcert_contents[f.content], Number.parseInt(f.mode, 8), f.target])).toEqual(plan.files.map((f) => [f.path, f.contents, f.mode, f.target]));
    expect(vars.regcert_directories.map((d) => d.path)).toEqual(plan.directories.map((d) => d.path));
    // no planned value is left for Jinja: every path and content is !unsafe
    for (const line of rendering.stdout.split("\n")) if (/^\s+- (path|subject): /.test(line)) expect(line).toMatch(/(path|subject): !unsafe "/);
    expect(rendering.stdout).not.toMatch(/ansible\.(?!builtin\.)\w+\.\w+/);
    for (const module of rendering.stdout.matchAll(/^\s+(ansible\.builtin\.\w+):/gm)) expect(["ansible.builtin.debug", "ansible.builtin.stat", "ansible.builtin.assert", "ansible.builtin.file", "ansible.builtin.copy", "ansible.builtin.find", "ansible.builtin.command"]).toContain(module[1]);
  });

  test("ansible-playbook --syntax-check accepts the install and uninstall playbooks and the role layout", async () => {
    requireTool("ansible-playbook");
    const { rendering } = install();
    const dir = join(tmp, "ansible");
    for (const f of rendering.files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.contents);
    }
    writeFileSync(join(dir, "single-install.yml"), rendering.stdout);
    writeFileSync(join(dir, "single-uninstall.yml"), render({ engine: "ansible", targets: [...targets], uninstall: true }).rendering.stdout);
    golden("fleet/ansible-uninstall.yml", readFileSync(join(dir, "single-uninstall.yml"), "utf8"));
    for (const f of rendering.files.filter((x) => x.path.startsWith("roles/"))) golden(`fleet/ansible-out/${f.path}`, f.contents);
    const env = { HOME: tmp, ANSIBLE_LOCAL_TEMP: join(tmp, "ansible-tmp"), ANSIBLE_NOCOLOR: "1", ANSIBLE_CONFIG: join(dir, "none.cfg") };
    for (const book of ["install.yml", "uninstall.yml", "single-install.yml", "single-uninstall.yml"]) {
      const r = await runTool("ansible-playbook", ["-i", "localhost,", "--syntax-check", book], { cwd: dir, env, timeoutMs: 120_000 });
      expect({ book, code: r.code, err: r.stderr.slice(-1500) }).toEqual({ book, code: 0, err: expect.any(String) });
    }
    // the judge can fail: a broken playbook is refused
    writeFileSync(join(dir, "broken.yml"), rendering.stdout.replace("  tasks:\n", "  tasks:\n    - ansible.builtin.copy: [\n"));
    expect((await runTool("ansible-playbook", ["-i", "localhost,", "--syntax-check", "broken.yml"], { cwd: dir, env, timeoutMs: 120_000 })).code).not.toBe(0);
  }, 240_000);

  test("with a client pair the key is in the data (0600 role vars), the tasks do not log it", () => {
    const { rendering } = render({ engine: "ansible", targets: ["docker"], clientCertPem: fixture("client-a.crt"), clientKeyPem: fixture("client-a.key") });
    expect(rendering.stdout).toContain('mode: "0600"');
    expect(rendering.stdout).toContain("regcert_has_secrets: true");
    expect(rendering.files.find((f) => f.path.endsWith("vars/main.yml"))?.mode).toBe(0o600);
    expect(rendering.warnings.join("\n")).toMatch(/private key/);
  });
});

describe("cloud-init", () => {
  test("valid for cloud-init schema; ca_certs for the OS store, write_files with install-trust's bytes and modes", async () => {
    requireTool("cloud-init");
    const { plan, rendering } = render({ engine: "cloud-init", targets: ["docker", "containerd", "system"] });
    golden("fleet/cloud-init.yaml", rendering.stdout);
    expect(rendering.stdout.startsWith("#cloud-config\n")).toBe(true);
    const file = join(tmp, "user-data.yaml");
    writeFileSync(file, rendering.stdout);
    const ok = await runTool("cloud-init", ["schema", "--config-file", file], { timeoutMs: 120_000 });
    expect(`${ok.code} ${ok.stdout}`).toMatch(/^0 Valid cloud-config/);
    const config = parseAllDocuments(rendering.stdout, { version: "1.1" })[0]?.toJSON() as { ca_certs: { trusted: string[] }; write_files: Array<{ path: string; content: string; permissions: string }> };
    expect(config.ca_certs.trusted).toEqual(plan.cas.map((c) => c.pem));
    const files = plan.files.filter((f) => f.target !== "system");
    expect(config.write_files.map((w) => [w.path, w.content, w.permissions])).toEqual(files.map((f) => [f.path, f.contents, `0${f.mode.toString(8)}`]));
    // the judge can fail
    writeFileSync(file, rendering.stdout.replace(/ {2}- path: .*\n/, "  - pathh: /x\n"));
    const bad = await runTool("cloud-init", ["schema", "--config-file", file], { timeoutMs: 120_000 });
    expect(bad.code).not.toBe(0);
  }, 240_000);
});

describe("ignition", () => {
  test("valid against the Ignition 3.4 spec schema; data: URLs carry install-trust's bytes, modes 420/493", () => {
    const { plan, rendering } = render({ engine: "ignition", targets: ["docker", "containerd", "system"] });
    golden("fleet/ignition.ign", rendering.stdout);
    const validate = new AjvDraft04({ allErrors: true, strict: false }).compile(schema("ignition/v3_4.json"));
    const config = JSON.parse(rendering.stdout) as { ignition: { version: string }; storage: { files: Array<{ path: string; mode: number; contents: { source: string } }>; directories: Array<{ mode: number }> } };
    expect(validate(config)).toBe(true);
    expect(config.ignition.version).toBe("3.4.0");
    expect(config.storage.files.map((f) => [f.path, Buffer.from(f.contents.source.replace(/^data:;base64,/, ""), "base64").toString("utf8"), f.mode])).toEqual(plan.files.map((f) => [f.path, f.contents, f.mode]));
    expect(config.storage.files.every((f) => f.mode === 420)).toBe(true);
    expect(plan.files.some((f) => f.path.startsWith("/etc/pki/ca-trust/source/anchors/"))).toBe(true);
    // the judge can fail
    expect(validate({ ...config, storage: { files: [{ path: "/x", mode: "0644" }] } })).toBe(false);
  });
});

describe("talos", () => {
  const ajv = () => new Ajv2020({ strict: false, allErrors: true });
  test("one RegistryTLSConfig per registry, valid against the Talos config schema", () => {
    const { plan, rendering } = render({ engine: "talos", clientCertPem: fixture("client-a.crt"), clientKeyPem: fixture("client-a.key") });
    golden("fleet/talos.yaml", rendering.stdout);
    const validate = ajv().compile(schema("talos/config.schema.json"));
    const docs = parseAllDocuments(rendering.stdout).map((d) => d.toJSON() as { name: string; ca: string; clientIdentity?: { cert: string; key: string } });
    expect(docs.map((d) => d.name)).toEqual(plan.hosts.map((h) => h.hostPort));
    for (const doc of docs) {
      expect(validate(doc)).toBe(true);
      expect(new X509Certificate(doc.ca).ca).toBe(true);
      expect(doc.clientIdentity?.cert).toBe(plan.files.find((f) => f.role === "client-cert")?.contents);
    }
    expect(rendering.files[0]?.mode).toBe(0o600);
    expect(validate({ ...docs[0], tls: {} })).toBe(false);
  });

  test("--talos-legacy: machine.registries.config with base64 PEM, valid against the v1alpha1 definitions", () => {
    const { rendering } = render({ engine: "talos", talosLegacy: true });
    golden("fleet/talos-legacy.yaml", rendering.stdout);
    const validate = ajv().compile(schema("talos/legacy-machine-registries.schema.json"));
    const doc = parseAllDocuments(rendering.stdout)[0]?.toJSON() as { machine: { registries: { config: Record<string, { tls: { ca: string } }> } } };
    expect(validate(doc)).toBe(true);
    expect(Object.keys(doc.machine.registries.config)).toEqual(["reg.example.test:5000", "192.0.2.10:5000", "reg.example.test"]);
    expect(Buffer.from(doc.machine.registries.config["reg.example.test:5000"]?.tls.ca ?? "", "base64").toString()).toBe(new X509Certificate(CA).toString());
    expect(validate({ machine: { registries: { config: { x: { tls: { caFile: "x" } } } } } })).toBe(false);
  });
});

describe("bottlerocket", () => {
  test("settings.pki.<name> with base64 data and trusted = true, and the OS-wide warning", () => {
    const { plan, rendering } = render({ engine: "bottlerocket" });
    golden("fleet/bottlerocket.toml", rendering.stdout);
    const toml = parseToml(rendering.stdout) as { settings: { pki: Record<string, { data: string; trusted: boolean }> } };
    const bundles = Object.entries(toml.settings.pki);
    expect(bundles).toHaveLength(plan.cas.length);
    expect(bundles[0]?.[0]).toBe(`regcert-${plan.cas[0]?.id}`);
    expect(Buffer.from(bundles[0]?.[1].data ?? "", "base64").toString()).toBe(plan.cas[0]?.pem);
    expect(bundles[0]?.[1].trusted).toBe(true);
    expect(rendering.warnings.join("\n")).toMatch(/OS-wide.*name-constrained/);
  });
});

describe("openshift", () => {
  test("ConfigMap in openshift-config keyed host..port (kubernetes-models), and the image.config patch", async () => {
    const { plan, rendering } = render({ engine: "openshift" });
    golden("fleet/openshift.yaml", rendering.stdout);
    const [configMap, image] = parseAllDocuments(rendering.stdout).map((d) => d.toJSON() as { metadata: { namespace?: string }; data?: Record<string, string> });
    const { ConfigMap } = await import("kubernetes-models/v1/ConfigMap");
    expect(() => new ConfigMap(configMap as never).validate()).not.toThrow();
    expect(configMap?.metadata.namespace).toBe("openshift-config");
    expect(Object.keys(configMap?.data ?? {})).toEqual(["reg.example.test..5000", "192.0.2.10..5000", "reg.example.test"]);
    for (const key of Object.keys(configMap?.data ?? {})) expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
    expect(Object.values(configMap?.data ?? {}).every((v) => v === plan.cas.map((c) => c.pem).join(""))).toBe(true);
    const validate = new Ajv({ strict: false }).compile(schema("k8s/openshift-image-config-v1.schema.json"));
    expect(validate(image)).toBe(true);
    expect(JSON.parse(rendering.files[1]?.contents ?? "")).toEqual({ spec: { additionalTrustedCA: { name: "regcert-registry-ca" } } });
    expect(validate({ ...image, spec: { additionalTrustedCA: {} } })).toBe(false);
  });
});

describe("pod-bundle", () => {
  test("ClusterTrustBundle v1beta1 and trust-manager Bundle, valid against their upstream schemas", () => {
    const { plan, rendering } = render({ engine: "pod-bundle" });
    golden("fleet/pod-bundle.yaml", rendering.stdout);
    const [ctb, bundle] = parseAllDocuments(rendering.stdout).map((d) => d.toJSON() as { spec: { trustBundle?: string; sources?: Array<{ inLine: string }> } });
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validCtb = ajv.compile(schema("k8s/cluster-trust-bundle-v1beta1.schema.json"));
    const validBundle = ajv.compile(schema("k8s/trust-manager-bundle-v1alpha1.schema.json"));
    expect(validCtb(ctb)).toBe(true);
    expect(validBundle(bundle)).toBe(true);
    expect(ctb?.spec.trustBundle).toBe(plan.cas.map((c) => c.pem).join(""));
    expect(bundle?.spec.sources?.[0]?.inLine).toBe(ctb?.spec.trustBundle);
    expect(validCtb({ ...ctb, spec: { trustBundle: "x", extra: 1 } })).toBe(false);
    expect(validBundle({ ...bundle, spec: { sources: [] } })).toBe(false);
  });
});
