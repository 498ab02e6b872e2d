/**
 * Issue 11 defect 3, judged by Go: the real docker-registry refuses to start with a certificate whose
 * EC key is in compressed point form ("x509: failed to unmarshal elliptic curve point"). That is the
 * certificate `sign` used to issue from a compressed-point CSR; the certificate here is minted with the
 * CA key exactly as buildLeaf did (regcert's profile, the CSR's SPKI copied verbatim), and the control
 * is the same key in uncompressed form, which the registry serves. regcert now refuses such a CSR
 * (test/cli/sign-csr-policy.test.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPublicKey } from "node:crypto";
import { certificatePem, encodeName, encodeTbsCertificate, randomSerial, signTbs } from "../../src/pki/certificate.js";
import { authorityKeyIdentifierExtension, basicConstraintsExtension, extKeyUsageExtension, keyUsageExtension, subjectAltNameExtension } from "../../src/pki/extensions.js";
import { exportPrivateKeyPem } from "../../src/pki/keys.js";
import { createRootCa } from "../../src/index.js";
import { startRegistry } from "../helpers/registry.js";
import { toolAvailable } from "../helpers/run-tool.js";
import { compressedSpki, newP256 } from "../helpers/csr-builder.js";
import { suiteTempDir } from "../helpers/workspace.js";

const hasRegistry = toolAvailable("docker-registry");
if (process.env.CI === "true" && !hasRegistry) throw new Error("docker-registry is required under CI (see .ci/run PACKAGES)");
const maybe = hasRegistry ? test : test.skip;

const dir = suiteTempDir("regcert-compressed-");

function leafWith(spki: Uint8Array, ca: ReturnType<typeof createRootCa>): string {
  const notBefore = new Date(Date.now() - 3_600_000);
  const tbs = encodeTbsCertificate({
    serial: randomSerial(),
    scheme: ca.issuer.scheme,
    issuerName: ca.issuer.certificate.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 7 * 86_400_000),
    subjectName: encodeName({ commonName: "localhost" }),
    spki,
    extensions: [
      basicConstraintsExtension(false),
      keyUsageExtension(["digitalSignature"]),
      extKeyUsageExtension(["serverAuth"]),
      subjectAltNameExtension({ dns: ["localhost"], ip: ["127.0.0.1"] }, false),
      authorityKeyIdentifierExtension(ca.issuer.certificate.keyId),
    ],
  });
  return certificatePem(signTbs(tbs, ca.issuer.signer));
}

maybe(
  "docker-registry will not start with a compressed-point certificate, and serves the same key uncompressed",
  async () => {
    const ca = createRootCa({ commonName: "compressed-point judge" });
    const key = newP256();
    writeFileSync(join(dir, "leaf.key"), exportPrivateKeyPem(key), { mode: 0o600 });
    writeFileSync(join(dir, "compressed.crt"), leafWith(compressedSpki(key), ca));
    writeFileSync(join(dir, "uncompressed.crt"), leafWith(new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" })), ca));

    await expect(startRegistry({ tls: { certificate: join(dir, "compressed.crt"), key: join(dir, "leaf.key") }, startTimeoutMs: 30_000 })).rejects.toThrow(
      /failed to unmarshal elliptic curve point/,
    );
    const control = await startRegistry({ tls: { certificate: join(dir, "uncompressed.crt"), key: join(dir, "leaf.key") }, startTimeoutMs: 30_000 });
    await control.stop();
  },
  120_000,
);
