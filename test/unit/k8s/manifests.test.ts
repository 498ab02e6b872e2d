/**
 * The k8s manifests, from fixed inputs (fixture keys, fixed time and serial, an RSA root so every
 * signature is deterministic): golden files per runtime (test/golden/k8s/, UPDATE_GOLDEN=1 to
 * regenerate), same input -> same bytes, YAML that go-yaml's 1.1 rules read back unchanged, and every
 * object judged by the Kubernetes schemas, their strict types and the API server's own rules.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { createRootCa } from "../../../src/pki/ca.js";
import { createIntermediateCa } from "../../../src/pki/intermediate.js";
import { issueCertificate } from "../../../src/pki/issue.js";
import { renderManifest, type K8sObject } from "../../../src/k8s/manifest.js";
import { DEFAULT_IMAGE, configMapKeys, decodeKeyPart, nodeTrust } from "../../../src/k8s/node-trust.js";
import { certManagerObjects, tlsSecret } from "../../../src/k8s/registry-secret.js";
import { dockerConfigJson, k3sAuthEntry, pullSecret, validateCredentials } from "../../../src/k8s/pull-secret.js";
import { planTrust } from "../../../src/trust/plan.js";
import { RegcertError } from "../../../src/pki/errors.js";
import { REPO } from "../../helpers/cli.js";
import { readGolden } from "../../helpers/golden.js";
import { allErrors, apiServerErrors, schemaErrors, typeErrors, type K8sLike } from "./schema.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const deps = { now: NOW, randomSerial: () => Uint8Array.of(0x01) };
const key = (name: string) => {
  const privateKey = createPrivateKey(readFileSync(join(REPO, "test/fixtures/keys", name), "utf8"));
  return { privateKey, publicKey: createPublicKey(privateKey) };
};
// RSA PKCS#1 v1.5 signatures are deterministic: the root and everything it signs are fixed bytes
const root = createRootCa({ commonName: "golden CA", keyPair: key("leaf-rsa2048.key"), maxPathLen: 1 }, deps);
const leaf = issueCertificate({ issuer: root.issuer, names: ["registry.local", "192.168.0.12"], keyPair: key("leaf-p256.key"), csr: false }, deps);
const intermediate = createIntermediateCa({ issuer: root.issuer, permitDns: ["registry.local"], permitIp: ["192.168.0.12"], keyPair: key("ca-p256.key") }, deps);

const HOSTS = ["registry.local:5000", "192.168.0.12:5000", "[fd00::1]:5000"];
/** Golden files hold no key material (keys live only in test/fixtures/): the fixture key's base64 becomes a placeholder. */
const withoutKeys = (yaml: string, keys: Record<string, string>): string =>
  Object.entries(keys).reduce((text, [fixture, pem]) => text.split(Buffer.from(pem).toString("base64")).join(`<base64 of test/fixtures/keys/${fixture} as PKCS#8 PEM>`), yaml);
const docsOf = (yaml: string, version: "1.1" | "1.2") => parseAllDocuments(yaml, { version }).map((d) => d.toJS() as K8sObject);

describe("node-trust", () => {
  const RUNTIMES = [["containerd"], ["docker"], ["containers"], ["containerd", "docker", "containers"], ["k3s"], ["microk8s"], ["containerd", "k3s"]] as const;

  test.each(RUNTIMES.map((t) => [t.join("+"), t] as const))("golden: %s", async (label, targets) => {
    const result = nodeTrust({ hosts: HOSTS, caPem: root.certificatePem, targets });
    const yaml = renderManifest(result.objects, result.header);
    expect(yaml).toBe(readGolden(`k8s/node-trust-${label}.yaml`, yaml));
    // same input, same bytes
    const again = nodeTrust({ hosts: HOSTS, caPem: root.certificatePem, targets });
    expect(renderManifest(again.objects, again.header)).toBe(yaml);
    // what go-yaml (YAML 1.1) and a YAML 1.2 parser read is exactly what was built
    expect(docsOf(yaml, "1.1")).toEqual(JSON.parse(JSON.stringify(result.objects)));
    expect(docsOf(yaml, "1.2")).toEqual(JSON.parse(JSON.stringify(result.objects)));
    expect(await allErrors(result.objects as K8sLike[])).toEqual([]);
  });

  test("the ConfigMap holds ca.crt once and hosts.toml per registry, keys decoding to host:port; the script maps every key to install-trust's paths", () => {
    const result = nodeTrust({ hosts: HOSTS, caPem: root.certificatePem, targets: ["containerd", "docker"] });
    const data = (result.objects[0] as unknown as { data: Record<string, string> }).data;
    expect(Object.keys(data)).toEqual(["ca.crt", "registry.local_3a5000.hosts.toml", "192.168.0.12_3a5000.hosts.toml", "_5bfd00_3a_3a1_5d_3a5000.hosts.toml", "install.sh"]);
    for (const k of Object.keys(data).filter((k) => k.endsWith(".hosts.toml"))) expect(HOSTS).toContain(decodeKeyPart(k.replace(/\.hosts\.toml$/, "")));
    // one plan: every file install-trust would write is in the script's table, with the same bytes in the ConfigMap
    const plan = planTrust({ hosts: HOSTS, caPem: root.certificatePem, targets: ["docker", "containerd"] });
    const { keys } = configMapKeys(plan);
    for (const file of plan.files) {
      const k = keys.get(file.path) as string;
      expect(data[k]).toBe(file.contents);
      expect(result.script).toContain(`\n644 ${k} ${file.path}\n`);
    }
    expect(plan.files).toHaveLength(3 * 2 + 3);
  });

  test("DaemonSet: every taint tolerated, only certs.d host mounts, no privilege, resources, readiness", () => {
    const result = nodeTrust({ hosts: HOSTS, caPem: root.certificatePem, targets: ["containerd", "docker", "containers"] });
    const ds = result.objects[1] as unknown as { spec: { template: { spec: Record<string, any> } } }; // eslint-disable-line @typescript-eslint/no-explicit-any
    const pod = ds.spec.template.spec;
    expect(pod.tolerations).toEqual([{ operator: "Exists" }]);
    const hostPaths = pod.volumes.filter((v: { hostPath?: unknown }) => v.hostPath).map((v: { hostPath: { path: string } }) => v.hostPath.path);
    expect(hostPaths).toEqual(["/etc/docker/certs.d", "/etc/containerd/certs.d", "/etc/containers/certs.d"]);
    const c = pod.containers[0];
    expect(c.image).toBe(DEFAULT_IMAGE);
    expect(c.securityContext).toEqual({ privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.hostPID).toBeUndefined();
    expect(pod.automountServiceAccountToken).toBe(false);
    // small and bounded: a node agent must not starve the node, nor be OOM-killed while copying a CA
    expect(c.resources).toEqual({ requests: { cpu: "5m", memory: "8Mi" }, limits: { cpu: "100m", memory: "32Mi" } });
    expect(c.readinessProbe.exec.command).toEqual(["sh", "/regcert/install.sh", "check"]);
    expect(c.volumeMounts.find((m: { name: string }) => m.name === "regcert").readOnly).toBe(true);
  });

  test("a new CA changes the pod template annotation (kubectl apply rolls the DaemonSet)", () => {
    const other = createRootCa({ commonName: "other", keyPair: key("leaf-rsa2048.key") }, deps);
    const a = nodeTrust({ hosts: HOSTS, caPem: root.certificatePem, targets: ["containerd"] });
    const b = nodeTrust({ hosts: HOSTS, caPem: other.certificatePem, targets: ["containerd"] });
    const ann = (r: typeof a) => JSON.stringify((r.objects[1] as unknown as { spec: { template: { metadata: unknown } } }).spec.template.metadata);
    expect(ann(a)).not.toBe(ann(b));
  });

  test("what a file drop cannot do is a per-node step, not in the DaemonSet", () => {
    const result = nodeTrust({ hosts: HOSTS, caPem: root.certificatePem, targets: ["containerd", "k3s", "microk8s"] });
    const steps = result.nodeSteps.join("\n");
    expect(steps).toContain('config_path = "/etc/containerd/certs.d"');
    expect(steps).toContain("sudo systemctl restart containerd");
    expect(steps).toContain("--target k3s");
    expect(steps).toContain("sudo systemctl restart k3s");
    expect(steps).toContain("sudo snap restart microk8s");
    expect(result.script).not.toMatch(/config\.toml|registries\.yaml|systemctl|snap/);
    expect(JSON.stringify(result.objects)).not.toMatch(/rancher|microk8s|"privileged":true/);
  });

  test.each([
    [["system"], "regcert.invalidTarget"],
    [["macos"], "regcert.invalidTarget"],
  ])("refuses --target %j", (targets, code) => {
    try {
      nodeTrust({ hosts: HOSTS, caPem: root.certificatePem, targets: targets as never });
      throw new Error("no error");
    } catch (error) {
      expect((error as RegcertError).code).toBe(code);
      expect((error as RegcertError).exitCode).toBe(2);
    }
  });
});

describe("registry-secret", () => {
  test("golden: kubernetes.io/tls Secret (chain, key, ca.crt)", async () => {
    const secret = tlsSecret({ name: "registry-tls", namespace: "registry", chainPem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem, caPem: root.certificatePem, component: "registry-tls" });
    const yaml = renderManifest([secret]);
    const golden = withoutKeys(yaml, { "leaf-p256.key": leaf.privateKeyPem });
    expect(golden).not.toBe(yaml);
    expect(golden).toBe(readGolden("k8s/registry-secret.yaml", golden));
    const data = (docsOf(yaml, "1.1")[0] as unknown as { data: Record<string, string> }).data;
    expect(Buffer.from(data["tls.crt"] as string, "base64").toString()).toBe(leaf.certificatePem);
    expect(Buffer.from(data["tls.key"] as string, "base64").toString()).toBe(leaf.privateKeyPem);
    expect(await allErrors([secret])).toEqual([]);
  });

  test("golden: cert-manager intermediate Secret + ClusterIssuer + Certificate", async () => {
    const objects = certManagerObjects({
      issuerName: "regcert",
      clusterResourceNamespace: "cert-manager",
      intermediateChainPem: intermediate.chainPem,
      intermediateKeyPem: intermediate.privateKeyPem,
      rootPem: root.certificatePem,
      certificate: { name: "registry", namespace: "registry", secretName: "registry-tls", names: { dns: ["registry.local"], ip: ["192.168.0.12"] } },
    });
    const yaml = renderManifest(objects);
    const golden = withoutKeys(yaml, { "ca-p256.key": intermediate.privateKeyPem });
    expect(golden).not.toBe(yaml);
    expect(golden).toBe(readGolden("k8s/registry-secret-cert-manager.yaml", golden));
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`)).toEqual(["Secret/cert-manager/regcert-ca", "ClusterIssuer//regcert", "Certificate/registry/registry"]);
    // never the root key: every Secret value decoded, the intermediate's key is there, the root's is not
    const values = objects.flatMap((o) => Object.values((o as { data?: Record<string, string> }).data ?? {})).map((v) => Buffer.from(v, "base64").toString());
    expect(values).toContain(intermediate.privateKeyPem);
    expect(values.some((v) => v.includes(root.privateKeyPem.split("\n")[1] as string))).toBe(false);
    expect(await allErrors(objects as K8sLike[])).toEqual([]);
  });
});

describe("pull-secret", () => {
  const creds = { registry: "registry.local:5000", username: "ci", password: "s3cret: yes" };

  test("golden: dockerconfigjson Secret, the same JSON kubectl create secret docker-registry writes", async () => {
    const secret = pullSecret({ ...creds, name: "regcred", namespace: "default" });
    const yaml = renderManifest([secret]);
    expect(yaml).toBe(readGolden("k8s/pull-secret.yaml", yaml));
    expect(dockerConfigJson(creds)).toBe(`{"auths":{"registry.local:5000":{"username":"ci","password":"s3cret: yes","auth":"${Buffer.from("ci:s3cret: yes").toString("base64")}"}}}`);
    expect(await allErrors([secret])).toEqual([]);
  });

  test("k3s configs.HOST:PORT.auth entry", () => {
    expect(k3sAuthEntry(creds)).toEqual({ configs: { "registry.local:5000": { auth: { username: "ci", password: "s3cret: yes" } } } });
  });

  test.each([
    ["", "pw", "regcert.emptyUser"],
    ["a:b", "pw", "regcert.invalidUser"],
    ["ci", "", "regcert.emptyPassword"],
    ["ci", "two\nlines", "regcert.invalidPassword"],
  ])("refuses user %j password %j", (user, password, code) => {
    expect(() => validateCredentials(user, password)).toThrow(expect.objectContaining({ code }));
  });
});

describe("the judges can fail (negative controls)", () => {
  const good = (): K8sObject => nodeTrust({ hosts: HOSTS, caPem: root.certificatePem, targets: ["containerd"] }).objects[1] as K8sObject;

  test("schema: wrong type and bad base64 are caught", async () => {
    const ds = good() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    ds.spec.template.spec.containers[0].image = 3;
    expect((await schemaErrors([ds]))[0]).toMatch(/image must be string/);
    const secret = tlsSecret({ name: "x", namespace: "y", chainPem: "a", privateKeyPem: "b", component: "c" }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    secret.data["tls.crt"] = "not base64!";
    expect((await schemaErrors([secret]))[0]).toMatch(/format "byte"/);
  });

  test("strict types: a misspelled field is caught (the OpenAPI schema alone would accept it)", async () => {
    const ds = good() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    ds.spec.template.spec.toleration = ds.spec.template.spec.tolerations;
    delete ds.spec.template.spec.tolerations;
    expect(await schemaErrors([ds])).toEqual([]);
    expect(typeErrors([ds]).join("\n")).toMatch(/toleration\W* does not exist in type 'IPodSpec'/);
  });

  test("API server rules: ConfigMap key with ':' and an upper-case name are caught", () => {
    const cm = nodeTrust({ hosts: HOSTS, caPem: root.certificatePem, targets: ["containerd"] }).objects[0] as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    cm.data["registry.local:5000.hosts.toml"] = "x";
    cm.metadata.name = "Regcert";
    expect(apiServerErrors([cm])).toEqual(['ConfigMap Regcert: name is not a DNS-1123 subdomain', 'ConfigMap Regcert: data key "registry.local:5000.hosts.toml" is not a valid ConfigMap/Secret key']);
  });
});

describe("script table safety", () => {
  test("paths that would need shell quoting never reach the script (hosts are validated first; this is the last guard)", async () => {
    const { assertScriptSafe } = await import("../../../src/k8s/node-script.js");
    expect(() => assertScriptSafe("/etc/docker/certs.d/[fd00::1]:5000/ca.crt")).not.toThrow();
    for (const bad of ["/etc/docker/certs.d/$(reboot)/ca.crt", "/etc/docker/certs.d/a b/ca.crt", "/etc/docker/certs.d/../../shadow", "relative/ca.crt", "/etc/x'y"]) {
      expect(() => assertScriptSafe(bad)).toThrow(/unsafe path/);
    }
  });
});

test("header comments cannot be broken out of (a CA's CN is someone else's text)", () => {
  const yaml = renderManifest([], ["CA: evil\nkind: Secret\r\u2028x"]);
  expect(yaml).toBe("# CA: evil?kind: Secret??x\n");
  expect(parseAllDocuments(yaml)).toHaveLength(0);
});
