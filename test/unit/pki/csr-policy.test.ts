/**
 * The CSR policy's vocabulary (what is dropped is named in words, never raw OIDs) and issue 11 defect 7:
 * the DNS-only-excludes-every-IP rule lives in the engine, so a library caller's raw nameConstraints
 * object (`permittedIp: []`, or no IP list at all) gets a CA that Go and OpenSSL refuse to accept an
 * IP:8.8.8.8 leaf under. Judge: `openssl verify` on a leaf forged with the CA key (what a key thief does).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRootCa, issueCertificate } from "../../../src/index.js";
import { describeDroppedExtensions } from "../../../src/pki/csr-policy.js";
import { readCsr } from "../../../src/pki/x509/csr.js";
import { rawSubjectName } from "../../../src/pki/issuer.js";
import { forgeCa, forgeLeaf } from "../../hostile/forge.js";
import { nameConstraintsExtension } from "../../../src/pki/extensions.js";
import { openssl } from "../../helpers/openssl.js";
import { toolAvailable } from "../../helpers/run-tool.js";
import * as b from "../../helpers/csr-builder.js";

const hasOpenssl = toolAvailable("openssl");
if (process.env.CI === "true" && !hasOpenssl) throw new Error("openssl is required under CI (see .ci/run PACKAGES)");

describe("dropped extensions are named in words", () => {
  const words = (exts: Uint8Array[], profile: "server" | "client" = "server", rsa = false) =>
    describeDroppedExtensions(readCsr(b.buildCsr({ attributes: [b.extensionRequest(exts)] }).der).extensions, profile, rsa);

  test.each([
    ["CA:TRUE", [b.basicConstraintsCa()], ["asked for CA:TRUE; issued as CA:FALSE (regcert never signs a CA from a CSR)"]],
    ["keyCertSign", [b.keyUsage([5])], ["asked for key usage certSign; issued with digitalSignature"]],
    ["the profile's own key usage", [b.keyUsage([0])], []],
    ["codeSigning", [b.extKeyUsage("1.3.6.1.5.5.7.3.3")], ["asked for extended key usage codeSigning; issued for serverAuth only"]],
    ["serverAuth (what the profile gives)", [b.extKeyUsage("1.3.6.1.5.5.7.3.1")], []],
    ["an unknown purpose", [b.extKeyUsage("1.2.3.4")], ["asked for extended key usage another purpose; issued for serverAuth only"]],
    ["name constraints", [b.extension("2.5.29.30", b.derSeq())], ["name constraints dropped: the server profile applies"]],
    ["an unknown critical extension", [b.extension("1.2.3.4.5", b.derSeq(), true)], ["an unrecognised extension (marked critical) dropped: the server profile applies"]],
    ["its own SKI", [b.extension("2.5.29.14", b.hex("0401aa"))], ["its subject key identifier dropped (regcert computes its own)"]],
    ["the SAN (used, not dropped)", [b.san(b.dns("registry.local"))], []],
  ])("%s", (_label, exts, expected) => {
    const out = words(exts);
    expect(out).toEqual(expected);
    for (const line of out) expect(line).not.toMatch(/\d+\.\d+\.\d+/);
  });

  test("the client profile and RSA keys are described with what they really get", () => {
    expect(words([b.extKeyUsage("1.3.6.1.5.5.7.3.1")], "client")).toEqual(["asked for extended key usage serverAuth; issued for clientAuth only"]);
    expect(words([b.keyUsage([5])], "server", true)).toEqual(["asked for key usage certSign; issued with digitalSignature, keyEncipherment"]);
  });
});

describe("defect 7: DNS-only name constraints close every IP in the engine, for library callers too", () => {
  const dir = mkdtempSync(join(tmpdir(), "regcert-nc-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ["permittedIp: []", { permittedDns: ["registry.local"], permittedIp: [], excludedDns: [], excludedIp: [] }],
    ["no IP list at all", { permittedDns: ["registry.local"] }],
  ])("raw nameConstraints with %s: issue refuses IP:8.8.8.8 and openssl verify rejects a forged one", async (label, nameConstraints) => {
    const ca = createRootCa({ commonName: `nc ${label}`, nameConstraints });
    expect(() => issueCertificate({ issuer: ca.issuer, names: ["8.8.8.8"], csr: false })).toThrow(/IP 8\.8\.8\.8 is excluded by the CA's name constraints/);
    // the permitted name still issues
    expect(issueCertificate({ issuer: ca.issuer, names: ["registry.local"], csr: false }).names.dns).toEqual(["registry.local"]);
    if (!hasOpenssl) return;
    const forged = forgeLeaf({ caKey: ca.privateKey, caName: rawSubjectName(ca.certificateDer), names: { dns: [], ip: ["8.8.8.8"] } });
    const caFile = join(dir, `ca-${label.length}.crt`);
    const leafFile = join(dir, `leaf-${label.length}.crt`);
    writeFileSync(caFile, ca.certificatePem);
    writeFileSync(leafFile, forged.certificatePem);
    const text = await openssl(["x509", "-in", caFile, "-noout", "-text"]);
    expect(text.stdout).toMatch(/Excluded:\s+IP:0\.0\.0\.0\/0\.0\.0\.0\s+IP:0:0:0:0:0:0:0:0\/0:0:0:0:0:0:0:0/);
    const verdict = await openssl(["verify", "-CAfile", caFile, leafFile]);
    expect(verdict.code).not.toBe(0);
    expect(verdict.stdout + verdict.stderr).toMatch(/excluded subtree violation/);
  });

  test("control: the same forged leaf under a DNS-only CA without the exclusion (the old library result) passes openssl verify", async () => {
    if (!hasOpenssl) return;
    const ca = forgeCa({ extensions: [nameConstraintsExtension({ permittedDns: ["registry.local"], permittedIp: [], excludedDns: [], excludedIp: [] })] });
    const forged = forgeLeaf({ caKey: ca.key, caName: ca.name, names: { dns: [], ip: ["8.8.8.8"] } });
    writeFileSync(join(dir, "open-ca.crt"), ca.certificatePem);
    writeFileSync(join(dir, "open-leaf.crt"), forged.certificatePem);
    const verdict = await openssl(["verify", "-CAfile", join(dir, "open-ca.crt"), join(dir, "open-leaf.crt")]);
    expect(verdict.stdout).toMatch(/open-leaf\.crt: OK/);
  });

  test("IP ranges without a DNS name are refused in the engine as in the CLI", () => {
    expect(() => createRootCa({ nameConstraints: { permittedIp: ["192.168.0.0/16"] } })).toThrow(/would leave every DNS name unconstrained/);
  });

  test("a CA with explicit IP ranges keeps them and excludes nothing", () => {
    const ca = createRootCa({ nameConstraints: { permittedDns: ["registry.local"], permittedIp: ["192.168.0.0/16"] } });
    expect(ca.issuer.certificate.nameConstraints).toEqual({ permittedDns: ["registry.local"], permittedIp: ["192.168.0.0/16"], excludedDns: [], excludedIp: [] });
  });
});
