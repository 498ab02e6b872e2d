/**
 * createIntermediateCa (for `k8s registry-secret --cert-manager`), judged by OpenSSL: the chain
 * verifies, pathLen is 0, the name constraints hold for leaves OpenSSL itself signs with the
 * intermediate key (so our own pre-checks cannot hide a missing constraint), and a root with pathLen 0
 * is refused, as OpenSSL would refuse the chain.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRootCa } from "../../../src/pki/ca.js";
import { caNameConstraints } from "../../../src/pki/ca.js";
import { createIntermediateCa, INTERMEDIATE_DEFAULT_DAYS } from "../../../src/pki/intermediate.js";
import { issueCertificate } from "../../../src/pki/issue.js";
import { RegcertError } from "../../../src/pki/errors.js";
import { extensionBlock, openssl, x509Text } from "../../helpers/openssl.js";
import type { ToolResult } from "../../helpers/run-tool.js";
import { suiteTempDir } from "../../helpers/workspace.js";

const dir = suiteTempDir("regcert-intermediate-");
let n = 0;
function file(name: string, contents: string): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, contents);
  return path;
}
function ok(result: ToolResult): ToolResult {
  if (result.code !== 0) throw new Error(`${result.command} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

const NOW = new Date("2026-11-24T00:00:00Z");
const root1 = createRootCa({ commonName: "test root", maxPathLen: 1 }, { now: NOW });

/** Signs a leaf for `san` with OpenSSL and the intermediate's key, bypassing every regcert check. */
async function opensslLeaf(intCrt: string, intKey: string, san: string): Promise<string> {
  const key = join(dir, `${n++}-leaf.key`);
  const csr = join(dir, `${n++}-leaf.csr`);
  const crt = join(dir, `${n++}-leaf.crt`);
  ok(await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/O=t", "-out", csr]));
  const ext = file("ext.cnf", `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  ok(await openssl(["x509", "-req", "-in", csr, "-CA", intCrt, "-CAkey", intKey, "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", crt]));
  return crt;
}

describe("createIntermediateCa", () => {
  const int = createIntermediateCa({ issuer: root1.issuer, permitDns: ["registry.local"], permitIp: ["192.168.0.12"] }, { now: NOW });
  const rootCrt = file("root.crt", root1.certificatePem);
  const intCrt = file("int.crt", int.certificatePem);
  const intKey = file("int.key", int.privateKeyPem);

  test("CA:TRUE pathlen:0, certSign+cRLSign, critical name constraints (DNS + the one IP), AKI = root SKI", async () => {
    const text = await x509Text(intCrt);
    expect(extensionBlock(text, "X509v3 Basic Constraints")).toBe("X509v3 Basic Constraints: critical\nCA:TRUE, pathlen:0");
    expect(extensionBlock(text, "X509v3 Key Usage")).toBe("X509v3 Key Usage: critical\nCertificate Sign, CRL Sign");
    expect(extensionBlock(text, "X509v3 Name Constraints")).toBe(
      "X509v3 Name Constraints: critical\nPermitted:\nDNS:registry.local\nIP:192.168.0.12/255.255.255.255",
    );
    const rootText = await x509Text(rootCrt);
    const ski = extensionBlock(rootText, "X509v3 Subject Key Identifier").split("\n")[1];
    expect(extensionBlock(text, "X509v3 Authority Key Identifier")).toContain(ski);
    expect(text).toContain("Subject: O = regcert, CN = test root intermediate");
  });

  test(`short-lived: ${INTERMEDIATE_DEFAULT_DAYS} days by default`, () => {
    expect((int.notAfter.getTime() - int.notBefore.getTime()) / 86_400_000).toBe(INTERMEDIATE_DEFAULT_DAYS);
    expect(int.chainPem).toBe(int.certificatePem + root1.certificatePem);
  });

  test("a leaf regcert issues under it verifies against the root alone (intermediate untrusted)", async () => {
    const leaf = issueCertificate({ issuer: int.issuer, names: ["registry.local", "192.168.0.12"] }, { now: new Date() });
    const leafCrt = file("leaf.crt", leaf.certificatePem);
    const result = await openssl(["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", rootCrt, "-untrusted", intCrt, "-verify_hostname", "registry.local", leafCrt]);
    expect(result.stdout.trim()).toBe(`${leafCrt}: OK`);
    // negative control: without the intermediate the chain cannot be built
    const missing = await openssl(["verify", "-CAfile", rootCrt, leafCrt]);
    expect(missing.code).not.toBe(0);
  });

  test("OpenSSL rejects a leaf the intermediate key signs for another name or IP (the constraint is real)", async () => {
    const inside = await opensslLeaf(intCrt, intKey, "DNS:sub.registry.local");
    expect(ok(await openssl(["verify", "-CAfile", rootCrt, "-untrusted", intCrt, inside])).stdout).toContain(": OK");
    for (const san of ["DNS:evil.example.com", "IP:192.168.0.13", "IP:::1"]) {
      const outside = await opensslLeaf(intCrt, intKey, san);
      const result = await openssl(["verify", "-CAfile", rootCrt, "-untrusted", intCrt, outside]);
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/(permitted|excluded) subtree violation/);
    }
  });

  test("DNS-only constraints exclude every IPv4 and IPv6 address", async () => {
    const dnsOnly = createIntermediateCa({ issuer: root1.issuer, permitDns: ["registry.local"] }, { now: NOW });
    expect(extensionBlock(await x509Text(file("int2.crt", dnsOnly.certificatePem)), "X509v3 Name Constraints")).toBe(
      "X509v3 Name Constraints: critical\nPermitted:\nDNS:registry.local\nExcluded:\nIP:0.0.0.0/0.0.0.0\nIP:0:0:0:0:0:0:0:0/0:0:0:0:0:0:0:0",
    );
  });

  test("validity is cut to the root's expiry, with a warning", () => {
    const shortRoot = createRootCa({ commonName: "short", maxPathLen: 1, days: 10 }, { now: NOW });
    const cut = createIntermediateCa({ issuer: shortRoot.issuer, permitDns: ["registry.local"] }, { now: NOW });
    expect(cut.notAfter).toEqual(shortRoot.notAfter);
    expect(cut.warnings[0]).toMatch(/shortened to the CA's expiry/);
  });
});

describe("refusals", () => {
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(RegcertError);
      return { code: (error as RegcertError).code, message: (error as RegcertError).message, hint: (error as RegcertError).hint, exit: (error as RegcertError).exitCode };
    }
    throw new Error("expected a RegcertError");
  };

  test("a root with pathLen 0 (the init-ca default): clear error with the init-ca --max-path-len 1 hint", () => {
    const root0 = createRootCa({ commonName: "leaves only" }, { now: NOW });
    const e = codeOf(() => createIntermediateCa({ issuer: root0.issuer, permitDns: ["registry.local"] }, { now: NOW }));
    expect(e.code).toBe("regcert.pathLenZero");
    expect(e.exit).toBe(2);
    expect(e.hint).toContain("regcert init-ca --max-path-len 1");
  });

  test("OpenSSL agrees: an intermediate under a pathLen-0 root fails verification", async () => {
    const root0 = createRootCa({ commonName: "leaves only" }, { now: NOW });
    const r0crt = file("r0.crt", root0.certificatePem);
    const r0key = file("r0.key", root0.privateKeyPem);
    const key = join(dir, `${n++}-i.key`);
    const csr = join(dir, `${n++}-i.csr`);
    const crt = join(dir, `${n++}-i.crt`);
    ok(await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/CN=forced", "-out", csr]));
    const ext = file("i.cnf", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n");
    ok(await openssl(["x509", "-req", "-in", csr, "-CA", r0crt, "-CAkey", r0key, "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", crt]));
    const leaf = await opensslLeaf(crt, key, "DNS:registry.local");
    const result = await openssl(["verify", "-CAfile", r0crt, "-untrusted", crt, leaf]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain("path length constraint exceeded");
  });

  test.each([
    [{ permitDns: [] }, "regcert.intermediateUnconstrained"],
    [{ permitDns: [], permitIp: ["192.168.0.12"] }, "regcert.intermediateUnconstrained"],
    [{ permitDns: ["*.registry.local"] }, "regcert.invalidName"],
    [{ permitDns: ["10.0.0.1"] }, "regcert.invalidName"],
    [{ permitDns: ["registry.local"], permitIp: ["10.0.0.1/8"] }, "regcert.invalidCidr"],
    [{ permitDns: ["registry.local"], days: 398 }, "regcert.intermediateTooLong"],
  ])("%j → %s", (options, code) => {
    expect(codeOf(() => createIntermediateCa({ issuer: root1.issuer, ...options }, { now: NOW })).code).toBe(code);
  });

  test("names outside the root's own constraints are refused (the leaves would be rejected anyway)", () => {
    const constrained = createRootCa({ commonName: "c", maxPathLen: 1, nameConstraints: caNameConstraints(["corp.example"], ["10.0.0.0/8"]) }, { now: NOW });
    expect(() => createIntermediateCa({ issuer: constrained.issuer, permitDns: ["registry.corp.example"], permitIp: ["10.1.2.3"] }, { now: NOW })).not.toThrow();
    const e = codeOf(() => createIntermediateCa({ issuer: constrained.issuer, permitDns: ["registry.local"], permitIp: ["192.168.0.1"] }, { now: NOW }));
    expect(e.code).toBe("regcert.outsideConstraints");
    expect(e.message).toContain('DNS "registry.local" is outside');
    expect(e.message).toContain("IP range 192.168.0.1/32 is outside");
    const dnsOnlyRoot = createRootCa({ commonName: "d", maxPathLen: 1, nameConstraints: caNameConstraints(["corp.example"], []) }, { now: NOW });
    expect(codeOf(() => createIntermediateCa({ issuer: dnsOnlyRoot.issuer, permitDns: ["corp.example"], permitIp: ["10.0.0.1"] }, { now: NOW })).message).toContain("excluded by the root CA");
  });
});
