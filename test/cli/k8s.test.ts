/**
 * `regcert k8s …` as users run it (the built CLI in temp dirs): what reaches stdout parses and passes
 * the Kubernetes judges, secrets go to 0600 files, user mistakes exit 2 with one `regcert:` line and
 * a hint, and OpenSSL judges the cert-manager intermediate taken out of the emitted Secret.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse } from "yaml";
import { openssl, extensionBlock, x509Text } from "../helpers/openssl.js";
import type { ToolResult } from "../helpers/run-tool.js";
import { allErrors, type K8sLike } from "../unit/k8s/schema.js";
import { cliIn, okIn, type Workspace, workspacePool } from "../helpers/workspace.js";

const workspace = workspacePool("regcert-k8s-cli-");
const cli = (ws: Workspace, args: string[], input?: string) => cliIn(ws, args, input === undefined ? {} : { input });
const ok = (ws: Workspace, args: string[], input?: string) => okIn(ws, args, input === undefined ? {} : { input });
const objectsOf = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as K8sLike & { data?: Record<string, string> });
const b64 = (s: string | undefined) => Buffer.from(s ?? "", "base64").toString("utf8");
const mode = (path: string) => statSync(path).mode & 0o777;
function okTool(result: ToolResult): ToolResult {
  if (result.code !== 0) throw new Error(`${result.command} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

describe("k8s node-trust", () => {
  const ws = workspace();
  beforeAll(() => ok(ws, ["init-ca", "--cn", "k8s cli CA"]));

  test("stdout: ConfigMap + DaemonSet with the home's CA, valid; per-node steps on stderr; same bytes every run and with --ca -", async () => {
    const a = await ok(ws, ["k8s", "node-trust", "--host", "registry.local:5000"]);
    const objects = objectsOf(a.stdout);
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(["ConfigMap kube-system/regcert-node-trust", "DaemonSet kube-system/regcert-node-trust"]);
    expect(objects[0]?.data?.["ca.crt"]).toBe(readFileSync(join(ws.home, "ca.crt"), "utf8"));
    expect(await allErrors(objects)).toEqual([]);
    expect(a.stderr).toContain("Per-node steps (not done by the manifest):");
    expect(a.stderr).toContain('config_path = "/etc/containerd/certs.d"');
    const b = await ok(ws, ["k8s", "node-trust", "--host", "registry.local:5000"]);
    expect(b.stdout).toBe(a.stdout);
    const c = await ok(ws, ["k8s", "node-trust", "--host", "registry.local:5000", "--ca", "-"], readFileSync(join(ws.home, "ca.crt"), "utf8"));
    expect(c.stdout).toBe(a.stdout);
  });

  test("--namespace, --name, --image, --target; --out writes 0644 and is never replaced without --force", async () => {
    const args = ["k8s", "node-trust", "--host", "registry.local:5000", "--host", "10.0.0.5:5000", "--target", "docker,containers", "--namespace", "registry-trust", "--name", "trust", "--image", "registry.k8s.io/e2e-test-images/busybox:1.36.1-1", "--out", "nt.yaml"];
    const first = await ok(ws, args);
    expect(first.stdout).toBe("");
    expect(first.stderr).toContain("Wrote ConfigMap registry-trust/trust, DaemonSet registry-trust/trust to nt.yaml");
    const path = join(ws.dir, "nt.yaml");
    expect(mode(path)).toBe(0o644);
    const objects = objectsOf(readFileSync(path, "utf8"));
    expect(await allErrors(objects)).toEqual([]);
    const pod = (objects[1] as unknown as { spec: { template: { spec: { containers: Array<{ image: string }>; volumes: Array<{ hostPath?: { path: string } }> } } } }).spec.template.spec;
    expect(pod.containers[0]?.image).toBe("registry.k8s.io/e2e-test-images/busybox:1.36.1-1");
    expect(pod.volumes.flatMap((v) => (v.hostPath ? [v.hostPath.path] : []))).toEqual(["/etc/docker/certs.d", "/etc/containers/certs.d"]);
    const again = await cli(ws, args);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe("regcert: nt.yaml already exists; regcert never replaces files without --force\nhint: re-run with --force to replace it, or choose another --out\n");
    expect((await cli(ws, [...args, "--force"])).code).toBe(0);
  });

  test("--json: the objects and the YAML", async () => {
    const result = await ok(ws, ["--json", "k8s", "node-trust", "--host", "registry.local:5000"]);
    const json = JSON.parse(result.stdout) as { objects: unknown[]; yaml: string };
    expect(json.objects).toEqual([
      { kind: "ConfigMap", name: "regcert-node-trust", namespace: "kube-system" },
      { kind: "DaemonSet", name: "regcert-node-trust", namespace: "kube-system" },
    ]);
    expect(objectsOf(json.yaml)).toHaveLength(2);
  });

  test.each([
    [["--target", "system"], "regcert: k8s node-trust cannot install system on nodes (the system store needs a command run on the host)\n"],
    [["--target", "nope"], 'regcert: --target "nope" is not a known target\n'],
    [["--namespace", "Kube_System"], 'regcert: --namespace "Kube_System" is not a valid namespace: lower-case letters, digits and \'-\', at most 63, starting and ending alphanumeric\n'],
    [["--host", "registry.local:99999"], 'regcert: --host "registry.local:99999" has an invalid port 99999: use 1 to 65535\n'],
  ])("user error %j → exit 2", async (extra, firstLine) => {
    const args = extra[0] === "--host" ? ["k8s", "node-trust", ...extra] : ["k8s", "node-trust", "--host", "registry.local:5000", ...extra];
    const result = await cli(ws, args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")[0] + "\n").toBe(firstLine);
    expect(result.stderr).toMatch(/\nhint: /);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  test("no CA anywhere: exit 2, never creates one", async () => {
    const empty = workspace();
    const result = await cli(empty, ["k8s", "node-trust", "--host", "registry.local:5000"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`regcert: no CA certificate in ${empty.home}\nhint: pass --ca ca.crt (or --ca - to read it from standard input), or --home DIR\n`);
    expect(existsSync(join(empty.home, "ca.key"))).toBe(false);
  });
});

describe("k8s registry-secret", () => {
  test("the Secret holds exactly certs/registry.{crt,key} and ca.crt; --out is 0600", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--name", "registry", "registry.local", "192.168.0.12"]);
    const result = await ok(ws, ["k8s", "registry-secret", "--name", "registry", "--namespace", "registry", "--out", "secret.yaml"]);
    expect(result.stderr).toContain("Wrote Secret registry/registry-tls to secret.yaml (0600: it holds a secret)");
    const path = join(ws.dir, "secret.yaml");
    expect(mode(path)).toBe(0o600);
    const [secret] = objectsOf(readFileSync(path, "utf8"));
    expect(secret?.type).toBe("kubernetes.io/tls");
    expect(b64(secret?.data?.["tls.crt"])).toBe(readFileSync(join(ws.dir, "certs/registry.crt"), "utf8"));
    expect(b64(secret?.data?.["tls.key"])).toBe(readFileSync(join(ws.dir, "certs/registry.key"), "utf8"));
    expect(b64(secret?.data?.["ca.crt"])).toBe(readFileSync(join(ws.home, "ca.crt"), "utf8"));
    expect(await allErrors([secret as K8sLike])).toEqual([]);
  });

  test("a key that does not belong to the certificate is refused", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--name", "registry", "registry.local"]);
    await ok(ws, ["issue", "--name", "other", "other.local"]);
    writeFileSync(join(ws.dir, "certs/registry.key"), readFileSync(join(ws.dir, "certs/other.key")));
    const result = await cli(ws, ["k8s", "registry-secret", "--name", "registry"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("regcert: certs/registry.key does not belong to certs/registry.crt\nhint: re-issue both with `regcert issue --name registry --force`\n");
  });

  test("--cert-manager with a CA that allows no intermediate: exit 2 with the init-ca --max-path-len 1 hint, nothing written", async () => {
    const ws = workspace();
    await ok(ws, ["issue", "--name", "registry", "registry.local"]);
    const result = await cli(ws, ["k8s", "registry-secret", "--name", "registry", "--cert-manager", "--out", "cm.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "regcert: the CA allows no intermediate CA below it (basicConstraints pathLen 0): clients would reject every certificate the intermediate signs\n" +
        "hint: a CA made with `regcert init-ca --max-path-len 1` allows one intermediate (a new CA: every client must then trust the new ca.crt)\n",
    );
    expect(existsSync(join(ws.dir, "cm.yaml"))).toBe(false);
  });

  test("--cert-manager: intermediate Secret in cert-manager, ClusterIssuer, Certificate; OpenSSL verifies the chain and enforces its constraints", async () => {
    const ws = workspace();
    await ok(ws, ["init-ca", "--max-path-len", "1", "--cn", "root for cert-manager"]);
    await ok(ws, ["issue", "--name", "registry", "registry.local", "192.168.0.12"]);
    const result = await ok(ws, ["k8s", "registry-secret", "--name", "registry", "--namespace", "registry", "--cert-manager"]);
    const objects = objectsOf(result.stdout);
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`)).toEqual(["Secret cert-manager/regcert-ca", "ClusterIssuer /regcert", "Certificate registry/registry"]);
    expect(await allErrors(objects)).toEqual([]);
    expect(result.stdout).not.toContain(Buffer.from(readFileSync(join(ws.home, "ca.key"), "utf8")).toString("base64").slice(60, 120));
    const data = objects[0]?.data ?? {};
    const chain = b64(data["tls.crt"]);
    const [intPem] = chain.split(/(?<=-----END CERTIFICATE-----\n)/);
    writeFileSync(join(ws.dir, "int.crt"), intPem as string);
    writeFileSync(join(ws.dir, "int.key"), b64(data["tls.key"]));
    const text = await x509Text(join(ws.dir, "int.crt"));
    expect(extensionBlock(text, "X509v3 Basic Constraints")).toBe("X509v3 Basic Constraints: critical\nCA:TRUE, pathlen:0");
    expect(extensionBlock(text, "X509v3 Name Constraints")).toBe("X509v3 Name Constraints: critical\nPermitted:\nDNS:registry.local\nIP:192.168.0.12/255.255.255.255");
    // a leaf signed with the intermediate key, by OpenSSL: inside the constraints it verifies against the root
    const sign = async (san: string, stem: string) => {
      okTool(await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(ws.dir, `${stem}.key`), "-subj", "/O=t", "-out", join(ws.dir, `${stem}.csr`)]));
      writeFileSync(join(ws.dir, `${stem}.cnf`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
      okTool(await openssl(["x509", "-req", "-in", join(ws.dir, `${stem}.csr`), "-CA", join(ws.dir, "int.crt"), "-CAkey", join(ws.dir, "int.key"), "-CAcreateserial", "-days", "30", "-extfile", join(ws.dir, `${stem}.cnf`), "-out", join(ws.dir, `${stem}.crt`)]));
      return openssl(["verify", "-CAfile", join(ws.home, "ca.crt"), "-untrusted", join(ws.dir, "int.crt"), join(ws.dir, `${stem}.crt`)]);
    };
    expect((await sign("DNS:registry.local,IP:192.168.0.12", "good")).code).toBe(0);
    const bad = await sign("DNS:bank.example.com", "bad");
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain("permitted subtree violation");
    const notAfter = new Date(okTool(await openssl(["x509", "-in", join(ws.dir, "int.crt"), "-noout", "-enddate"])).stdout.trim().replace("notAfter=", ""));
    expect(Math.round((notAfter.getTime() - Date.now()) / 86_400_000)).toBe(90);
  });
});

describe("k8s pull-secret", () => {
  const ws = workspace();

  test("dockerconfigjson from the password on stdin (trailing newline dropped); --out 0600", async () => {
    await ok(ws, ["k8s", "pull-secret", "--host", "registry.local:5000", "--user", "ci", "--password-stdin", "--namespace", "apps", "--out", "pull.yaml"], "pa ss: yes\n");
    const path = join(ws.dir, "pull.yaml");
    expect(mode(path)).toBe(0o600);
    const [secret] = objectsOf(readFileSync(path, "utf8"));
    expect(secret?.type).toBe("kubernetes.io/dockerconfigjson");
    expect(JSON.parse(b64(secret?.data?.[".dockerconfigjson"]))).toEqual({ auths: { "registry.local:5000": { username: "ci", password: "pa ss: yes", auth: Buffer.from("ci:pa ss: yes").toString("base64") } } });
    expect(await allErrors([secret as K8sLike])).toEqual([]);
  });

  test("a registry on 443 is keyed without the port, as image references spell it", async () => {
    const result = await ok(ws, ["k8s", "pull-secret", "--host", "registry.local:443", "--user", "ci", "--password-stdin"], "pw\n");
    expect(Object.keys(JSON.parse(b64(objectsOf(result.stdout)[0]?.data?.[".dockerconfigjson"])).auths)).toEqual(["registry.local"]);
  });

  test("--k3s: the registries.yaml configs.HOST:PORT.auth entry", async () => {
    const result = await ok(ws, ["k8s", "pull-secret", "--host", "[fd00::1]:5000", "--user", "ci", "--password-stdin", "--k3s"], "yes\n");
    expect(parse(result.stdout, { version: "1.1" })).toEqual({ configs: { "[fd00::1]:5000": { auth: { username: "ci", password: "yes" } } } });
  });

  test.each([
    [["--host", "registry.local:5000", "--user", "ci"], "pw\n", "regcert: the password is read from standard input only (never from the command line, where ps and shell history see it)"],
    [["--host", "registry.local:5000", "--user", "ci", "--password-stdin"], "", "regcert: the password read from standard input is empty"],
    [["--host", "registry.local:5000", "--user", "c:i", "--password-stdin"], "pw\n", `regcert: user name "c:i" contains ':', which HTTP basic auth cannot carry (RFC 7617)`],
    [["--host", "https://registry.local:5000", "--user", "ci", "--password-stdin"], "pw\n", 'regcert: --host "https://registry.local:5000" has a URL scheme'],
  ])("user error %j → exit 2", async (args, input, firstLine) => {
    const result = await cli(ws, ["k8s", "pull-secret", ...args], input);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")[0]).toBe(firstLine);
  });
});
