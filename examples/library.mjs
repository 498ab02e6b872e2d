// Use regcert as a library: a CA and a registry certificate in memory, written where you want them.
// Run: node examples/library.mjs [outDir]   (after `npm ci`, which builds dist/)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRootCa, issueCertificate } from "regcert";

const outDir = process.argv[2] ?? "example-certs";
mkdirSync(outDir, { recursive: true });

// A root CA (ECDSA P-256, 10 years, CA:TRUE pathLen 0), constrained to the registry's names.
const ca = createRootCa({
  commonName: "Example Registry CA",
  nameConstraints: { permittedDns: ["registry.local"], permittedIp: ["192.168.0.0/16"], excludedDns: [], excludedIp: [] },
});

// A server certificate valid for the DNS name and the IP clients use (397 days, serverAuth).
const leaf = issueCertificate({ issuer: ca.issuer, names: ["registry.local", "192.168.0.12"] });

writeFileSync(join(outDir, "ca.crt"), ca.certificatePem);
writeFileSync(join(outDir, "registry.crt"), leaf.certificatePem);
writeFileSync(join(outDir, "registry.key"), leaf.privateKeyPem, { mode: 0o600 });
console.log(`registry.crt for ${[...leaf.names.dns, ...leaf.names.ip].join(", ")}, expires ${leaf.notAfter.toISOString().slice(0, 10)}`);
