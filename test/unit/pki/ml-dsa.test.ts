/**
 * ML-DSA (FIPS 204) and Ed448 certificates are recognised by name by inspect and verify, and verify
 * explains that Go's TLS cannot use them instead of calling them malformed. The fixtures are made here
 * (test/helpers/ml-dsa.ts): ML-DSA keys and signatures by @noble/post-quantum, which also checks every
 * signature (an oracle independent of regcert); Ed448 fixtures are checked by `openssl verify`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeInput, type CertificateSummary } from "../../../src/pki/describe.js";
import { parseCertificateDer } from "../../../src/pki/verify/parse.js";
import { setMlDsaVerifier } from "../../../src/pki/verify/signature.js";
import { verifyChain } from "../../../src/pki/verify/verify.js";
import { runCli } from "../../helpers/cli.js";
import { ed448Chain, ML_DSA_IMPL, ML_DSA_SETS, mlDsaLeaf, mlDsaRoot, type MlDsaSet } from "../../helpers/ml-dsa.js";
import { openssl } from "../../helpers/openssl.js";

const dir = mkdtempSync(join(tmpdir(), "regcert-mldsa-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => setMlDsaVerifier(undefined));

const noble = (set: string, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => ML_DSA_IMPL[set as MlDsaSet].verify(signature, message, publicKey);

describe.each(ML_DSA_SETS)("%s", (set) => {
  const root = mlDsaRoot(set);
  const leaf = mlDsaLeaf(root, ["registry.local", "192.0.2.10"]);

  test("the fixtures' signatures verify with @noble/post-quantum (and a flipped bit does not)", () => {
    expect(ML_DSA_IMPL[set].verify(root.signature, root.tbs, root.publicKey)).toBe(true);
    expect(ML_DSA_IMPL[set].verify(leaf.signature, leaf.tbs, root.publicKey)).toBe(true);
    const flipped = leaf.tbs.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    expect(ML_DSA_IMPL[set].verify(leaf.signature, flipped, root.publicKey)).toBe(false);
  });

  test("parsed (not malformed): key and signature named by parameter set", () => {
    const parsed = parseCertificateDer(leaf.der);
    expect(parsed.publicKey.kind).toBe("ml-dsa");
    expect(parsed.publicKey.parameterSet).toBe(set);
    const cert = describeInput(leaf.der).items[0] as CertificateSummary;
    expect(cert.type).toBe("certificate");
    expect(cert.key?.algorithm).toBe(set.toLowerCase());
    expect(cert.key?.publicKeyFingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(cert.signatureAlgorithm).toBe(set);
    expect(cert.san.dns).toEqual(["registry.local"]);
  });

  test("verify: the chain links (signature checked through the verifier hook) and fails only because Go's TLS cannot use ML-DSA", () => {
    setMlDsaVerifier(noble);
    const report = verifyChain({ certificates: [leaf.der], roots: [root.der], hosts: ["registry.local"], at: new Date() });
    expect(report.goValid).toBe(false);
    expect(report.chain.map((c) => c.role)).toEqual(["leaf", "root"]);
    const codes = report.failures.map((f) => f.code).sort();
    expect(codes).toEqual(["postQuantumKey", "unsupportedSignature"]);
    for (const f of report.failures) expect(f.message).toContain("Go's TLS (Docker, containerd, skopeo, podman) cannot use it yet");
    expect(report.failures[0]?.message).toContain(set);
  });
});

test("with the verifier, a leaf whose ML-DSA signature was altered does not link (unknown authority)", () => {
  setMlDsaVerifier(noble);
  const root = mlDsaRoot("ML-DSA-44");
  const leaf = mlDsaLeaf(root, ["registry.local"]);
  const tampered = leaf.der.slice();
  tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 0x40;
  const report = verifyChain({ certificates: [tampered], roots: [root.der], hosts: [], at: new Date() });
  expect(report.failures.map((f) => f.code)).toContain("unknownAuthority");
  expect(report.chain).toHaveLength(1);
});

test("CLI: inspect names ML-DSA-65; verify exits 1 with the Go explanation, not 'cannot be parsed'", async () => {
  const root = mlDsaRoot("ML-DSA-65");
  const leaf = mlDsaLeaf(root, ["registry.local"]);
  writeFileSync(join(dir, "pq-root.crt"), root.pem);
  writeFileSync(join(dir, "pq-leaf.crt"), leaf.pem);
  const inspect = await runCli(["inspect", join(dir, "pq-leaf.crt")], { cwd: dir });
  expect(inspect.code).toBe(0);
  expect(inspect.stdout).toMatch(/key +ml-dsa-65 \(public key SHA-256 [0-9a-f]{64}\)/);
  expect(inspect.stdout).toMatch(/signature +ML-DSA-65/);
  const verify = await runCli(["verify", "--cert", join(dir, "pq-leaf.crt"), "--ca", join(dir, "pq-root.crt"), "--host", "registry.local"], { cwd: dir });
  expect(verify.code).toBe(1);
  const out = verify.stdout + verify.stderr;
  expect(out).toContain("ML-DSA-65");
  expect(out).toContain("Go's TLS (Docker, containerd, skopeo, podman) cannot use it yet");
  expect(out).not.toContain("cannot be parsed");
}, 60_000);

test("Ed448: openssl verifies the fixture; inspect names it, verify says Go supports only Ed25519", async () => {
  const { root, leaf } = ed448Chain(["registry.local"]);
  writeFileSync(join(dir, "ed448-root.crt"), root.pem);
  writeFileSync(join(dir, "ed448-leaf.crt"), leaf.pem);
  const checked = await openssl(["verify", "-CAfile", join(dir, "ed448-root.crt"), join(dir, "ed448-leaf.crt")]);
  expect(checked.stdout).toContain(": OK");
  const cert = describeInput(leaf.der).items[0] as CertificateSummary;
  expect(cert.key?.algorithm).toBe("ed448");
  expect(cert.signatureAlgorithm).toBe("Ed448");
  const report = verifyChain({ certificates: [leaf.der], roots: [root.der], hosts: ["registry.local"], at: new Date() });
  expect(report.chain.map((c) => c.role)).toEqual(["leaf", "root"]);
  expect(report.failures.map((f) => f.code).sort()).toEqual(["unsupportedKey", "unsupportedSignature"]);
  expect(report.failures.map((f) => f.message).join("\n")).toContain("Ed448");
}, 60_000);
