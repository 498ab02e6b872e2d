/**
 * check's pure half: diagnose(observation) judges the served chain through verifyChain, so `check` and
 * `verify` cannot disagree on a chain; every code it reports is in the one catalogue; the plain-HTTP
 * verdict follows the client settings it is given. (The live verdicts are judged by skopeo and curl in
 * test/e2e/check.e2e.test.ts.)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createRootCa, type RootCa } from "../../../src/pki/ca.js";
import { FINDINGS, isFindingCode } from "../../../src/pki/findings.js";
import { createIntermediateCa } from "../../../src/pki/intermediate.js";
import { issueCertificate } from "../../../src/pki/issue.js";
import { prepareIssuer } from "../../../src/pki/issuer.js";
import { parsePemBlocks } from "../../../src/pki/pem.js";
import { verifyChain } from "../../../src/pki/verify/verify.js";
import { diagnose } from "../../../src/registry/diagnose.js";
import type { Observation } from "../../../src/registry/probe.js";
import { REPO } from "../../helpers/cli.js";

const der = (pem: string): Uint8Array[] => parsePemBlocks(pem).map((b) => b.der);
const issuerOf = (ca: { certificatePem: string; privateKeyPem: string }) => prepareIssuer({ certificate: ca.certificatePem, privateKey: ca.privateKeyPem });
const DAY = 86_400_000;

function served(chain: Uint8Array[], host = "registry.test", http: Observation["http"] = { ok: true, status: 200, headers: { "docker-distribution-api-version": "registry/2.0" } }): Observation {
  return { target: { host, port: 5000 }, timeoutMs: 10_000, clientCertificateSent: false, connect: { ok: true }, tls: { ok: true, version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", chain }, http };
}

let root: RootCa;
let other: RootCa;
beforeAll(() => {
  root = createRootCa({ commonName: "diagnose root", maxPathLen: 1 });
  other = createRootCa({ commonName: "diagnose other" });
});

describe("check and verify give the same verdict on the same chain", () => {
  const now = new Date();
  const cases: Array<{ name: string; chain: () => Uint8Array[]; roots: () => Uint8Array[]; host: string; at?: Date; codes: string[] }> = [
    { name: "good", chain: () => der(issueCertificate({ issuer: issuerOf(root), names: ["registry.test", "10.0.0.5"] }).certificatePem), roots: () => der(root.certificatePem), host: "registry.test", codes: [] },
    { name: "another CA", chain: () => der(issueCertificate({ issuer: issuerOf(other), names: ["registry.test"] }).certificatePem), roots: () => der(root.certificatePem), host: "registry.test", codes: ["unknownAuthority"] },
    { name: "IP not in a DNS-only certificate", chain: () => der(issueCertificate({ issuer: issuerOf(root), names: ["registry.test"] }).certificatePem), roots: () => der(root.certificatePem), host: "10.0.0.5", codes: ["noIpSan"] },
    { name: "expired", chain: () => der(issueCertificate({ issuer: issuerOf(root), names: ["registry.test"], days: 30 }).certificatePem), roots: () => der(root.certificatePem), host: "registry.test", at: new Date(now.getTime() + 60 * DAY), codes: ["expired"] },
    {
      name: "intermediate not served",
      chain: () => {
        const inter = createIntermediateCa({ issuer: issuerOf(root), permitDns: ["registry.test"] });
        return der(issueCertificate({ issuer: issuerOf(inter), names: ["registry.test"] }).certificatePem);
      },
      roots: () => der(root.certificatePem),
      host: "registry.test",
      codes: ["unknownAuthority"],
    },
    {
      name: "the CA itself served and given (Go: a certificate in the root pool is trusted as it is)",
      chain: () => der(root.certificatePem),
      roots: () => der(root.certificatePem),
      host: "registry.test",
      codes: ["hostnameMismatch"],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const chain = c.chain();
      const roots = c.roots();
      const at = c.at ?? now;
      const report = verifyChain({ certificates: chain, roots, hosts: [c.host], at });
      const diagnosis = diagnose(served(chain, c.host), { roots, caSource: "ca.crt", now: at });
      const errors = diagnosis.findings.filter((f) => f.severity === "error").map((f) => f.code).sort();
      expect(errors).toEqual(report.failures.map((f) => f.code).sort());
      expect(errors).toEqual(c.codes);
      expect(diagnosis.ok).toBe(c.codes.length === 0);
      expect(diagnosis.ok).toBe(report.goValid);
      // Go's error texts are the same in both
      for (const f of report.failures) expect(diagnosis.findings.find((d) => d.code === f.code)?.go).toBe(f.go);
    });
  }

  test("a served certificate that is one of the given CAs is trusted (defect 6), and marked as such", () => {
    const chain = der(root.certificatePem);
    const diagnosis = diagnose(served(chain, "registry.test"), { roots: chain, caSource: "ca.crt", now: new Date() });
    expect(diagnosis.findings.find((f) => f.code === "trusted")?.message).toBe("chain: the registry's certificate is itself one of the CAs in ca.crt, which Go accepts (a self-signed certificate given as the CA)");
    expect(diagnosis.findings.some((f) => f.code === "unknownAuthority")).toBe(false);
    expect(diagnosis.chain[0]?.trusted).toBe(true);
  });
});

describe("plain HTTP: what each client does, from the settings given", () => {
  const plain = (host: string): Observation => ({ target: { host, port: 5000 }, timeoutMs: 10_000, clientCertificateSent: false, connect: { ok: true }, tls: { ok: false, failure: "notTls", code: "ERR_SSL_WRONG_VERSION_NUMBER" }, plainHttp: { status: 401, headers: {} } });
  const clients = (host: string, settings: Parameters<typeof diagnose>[1]["clientSettings"]) =>
    diagnose(plain(host), { roots: [], caSource: "ca.crt", now: new Date(), ...(settings ? { clientSettings: settings } : {}) }).findings.filter((f) => f.code === "plainHttpClient").map((f) => [f.message.split(":")[0], f.severity]);

  test("TLS is the fix, and nothing claims that logins break", () => {
    const d = diagnose(plain("registry.test"), { roots: [], caSource: "ca.crt", now: new Date() });
    const f = d.findings.find((x) => x.code === "plainHttp");
    expect(f?.severity).toBe("error");
    expect(f?.go).toBe("http: server gave HTTP response to HTTPS client");
    expect(f?.fix).toMatch(/^give the registry TLS: regcert issue registry\.test/);
    expect(JSON.stringify(d.findings)).not.toMatch(/break docker login/);
    expect(d.ok).toBe(false);
  });

  test.each([
    ["registry.test", { dockerInsecure: true, containersInsecure: false }, [["Docker", "warning"], ["podman, skopeo, buildah and CRI-O", "error"], ["containerd (ctr, nerdctl, Kubernetes through CRI)", "note"]]],
    ["registry.test", { dockerInsecure: false, containersInsecure: true }, [["Docker", "error"], ["podman, skopeo, buildah and CRI-O", "warning"], ["containerd (ctr, nerdctl, Kubernetes through CRI)", "note"]]],
    ["registry.test", undefined, [["Docker", "note"], ["podman, skopeo, buildah and CRI-O", "note"], ["containerd (ctr, nerdctl, Kubernetes through CRI)", "note"]]],
    // dockerd treats loopback as insecure without any setting
    ["127.0.0.1", { dockerInsecure: false, containersInsecure: false }, [["Docker", "warning"], ["podman, skopeo, buildah and CRI-O", "error"], ["containerd (ctr, nerdctl, Kubernetes through CRI)", "note"]]],
  ] as const)("%s with %j", (host, settings, expected) => {
    expect(clients(host, settings)).toEqual(expected);
  });

  test("Docker under insecure-registries: works over HTTP, and Docker 29's containerd store caveat is said", () => {
    const d = diagnose(plain("registry.test"), { roots: [], caSource: "ca.crt", now: new Date(), clientSettings: { dockerInsecure: true } });
    const docker = d.findings.find((f) => f.code === "plainHttpClient" && f.message.startsWith("Docker"));
    expect(docker?.message).toContain("fall back to plain HTTP and work");
    expect(docker?.message).toContain("Docker 29's containerd image store");
  });
});

describe("the findings catalogue", () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
    });
  const code = sources(join(REPO, "src"))
    .filter((p) => !p.endsWith(join("pki", "findings.ts")))
    .map((p) => readFileSync(p, "utf8"))
    .join("\n");

  test.each(Object.keys(FINDINGS))("%s is reported somewhere in src/ and has a meaning", (key) => {
    expect(code).toContain(`"${key}"`);
    expect(FINDINGS[key as keyof typeof FINDINGS].meaning.length).toBeGreaterThan(10);
  });

  test("a code outside the catalogue is recognised as such", () => {
    expect(isFindingCode("expired")).toBe(true);
    expect(isFindingCode("toString")).toBe(false);
    expect(isFindingCode("tls.expired")).toBe(false);
  });
});
