/**
 * The ACME server in-process, driven by a real npm ACME client (acme-client) over HTTPS: http-01 and
 * tls-alpn-01, DNS and IP identifiers, account lookup by key, key rollover, deactivation, revocation.
 * Issued chains are judged by `openssl verify` (its printed verdict) and the SANs openssl prints.
 */
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import acme from "acme-client";
import { createRootCa } from "../../../src/pki/ca.js";
import { createAcmeServer, type AcmeServer } from "../../../src/acme/server.js";
import { newAcmeClient, startHttp01Responder, trustAcmeCa, type Http01Responder } from "../../helpers/acme.js";
import { freePort } from "../../helpers/ports.js";
import { openssl } from "../../helpers/openssl.js";

let server: AcmeServer;
let directoryUrl: string;
let tlsPort: number;
let responder: Http01Responder;
let alpn: { cert: string; key: string } | undefined;
let challengeTls: TlsServer;
let dir: string;
const ca = createRootCa({ commonName: "acme-client test CA" });
const issued: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "regcert-acme-client-"));
  writeFileSync(join(dir, "ca.crt"), ca.certificatePem);
  tlsPort = await freePort();
  responder = await startHttp01Responder();
  challengeTls = createTlsServer({
    ALPNProtocols: ["acme-tls/1"],
    SNICallback: (_name, cb) => cb(null, alpn ? createSecureContext({ cert: alpn.cert, key: alpn.key }) : undefined),
  });
  await new Promise<void>((r) => challengeTls.listen(tlsPort, "127.0.0.1", r));
  server = createAcmeServer({
    ca: ca.issuer,
    allowDns: ["localhost", "*.test.example"],
    allowIp: ["127.0.0.1/32"],
    httpPort: responder.port,
    tlsPort,
    resolve: { "app.test.example": ["127.0.0.1"] },
    validationTimeoutMs: 5_000,
    onIssued: (cert) => void issued.push(cert.serialHex),
  });
  ({ directoryUrl } = await server.listen(0, "127.0.0.1"));
  trustAcmeCa(ca.certificatePem);
});

afterAll(async () => {
  await server?.close();
  await responder?.close();
  await new Promise((r) => challengeTls?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const newClient = () => newAcmeClient(directoryUrl, { contact: ["mailto:ops@test.example"] });

async function assertChain(chain: string, names: { dns?: string[]; ip?: string[] }) {
  const file = join(dir, `chain-${Math.random().toString(16).slice(2)}.pem`);
  writeFileSync(file, chain);
  const verified = await openssl(["verify", "-CAfile", join(dir, "ca.crt"), "-purpose", "sslserver", file]);
  expect(verified.stdout).toContain(`${file}: OK`);
  const text = (await openssl(["x509", "-in", file, "-noout", "-ext", "subjectAltName"])).stdout;
  for (const dns of names.dns ?? []) expect(text).toContain(`DNS:${dns}`);
  for (const ip of names.ip ?? []) expect(text).toContain(`IP Address:${ip}`);
  expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
}

test("acme-client auto: http-01 for localhost via the system resolver (::1 tried, then 127.0.0.1)", async () => {
  const client = await newClient();
  const [, csr] = await acme.crypto.createCsr({ altNames: ["localhost"] }, await acme.crypto.createPrivateEcdsaKey());
  const chain = await client.auto({
    csr,
    challengePriority: ["http-01"],
    skipChallengeVerification: true,
    challengeCreateFn: async (_a, c, k) => void responder.tokens.set(c.token, k),
    challengeRemoveFn: async (_a, c) => void responder.tokens.delete(c.token),
  });
  await assertChain(chain, { dns: ["localhost"] });
  const days = (acme.crypto.readCertificateInfo(chain).notAfter.getTime() - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(6.9);
  expect(days).toBeLessThanOrEqual(7.01);
});

test("tls-alpn-01 for a --resolve name and an IP identifier (RFC 8738, reverse-DNS SNI)", async () => {
  const client = await newClient();
  const order = await client.createOrder({ identifiers: [{ type: "dns", value: "app.test.example" }, { type: "ip", value: "127.0.0.1" }] });
  for (const authz of await client.getAuthorizations(order)) {
    const challenge = authz.challenges.find((c) => (c.type as string) === "tls-alpn-01");
    if (!challenge) throw new Error("no tls-alpn-01 offered");
    const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
    const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
    alpn = { key: key.toString(), cert: cert.toString() };
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [, csr] = await acme.crypto.createCsr({ altNames: ["app.test.example", "127.0.0.1"] }, await acme.crypto.createPrivateEcdsaKey());
  const finalized = await client.finalizeOrder(order, csr);
  const chain = await client.getCertificate(finalized);
  await assertChain(chain, { dns: ["app.test.example"], ip: ["127.0.0.1"] });
});

test("account: lookup by key (onlyReturnExisting), key rollover, revocation, deactivation", async () => {
  const stranger = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await expect(stranger.createAccount({ onlyReturnExisting: true })).rejects.toThrow(/no account exists for this key/);

  const accountKey = await acme.crypto.createPrivateRsaKey(2048);
  const client = await newAcmeClient(directoryUrl, { accountKey });
  const url = client.getAccountUrl();
  const again = new acme.Client({ directoryUrl, accountKey });
  await again.createAccount({ onlyReturnExisting: true });
  expect(again.getAccountUrl()).toBe(url);

  const [, csr] = await acme.crypto.createCsr({ altNames: ["localhost"] }, await acme.crypto.createPrivateEcdsaKey());
  const chain = await client.auto({ csr, challengePriority: ["http-01"], skipChallengeVerification: true, challengeCreateFn: async (_a, c, k) => void responder.tokens.set(c.token, k), challengeRemoveFn: async () => undefined });

  const newKey = await acme.crypto.createPrivateEcdsaKey("P-384");
  await client.updateAccountKey(newKey);
  const byNewKey = new acme.Client({ directoryUrl, accountKey: newKey });
  await byNewKey.createAccount({ onlyReturnExisting: true });
  expect(byNewKey.getAccountUrl()).toBe(url);
  const byOldKey = new acme.Client({ directoryUrl, accountKey });
  await expect(byOldKey.createAccount({ onlyReturnExisting: true })).rejects.toThrow(/no account exists/);

  await client.revokeCertificate(chain, { reason: 4 });
  await expect(client.revokeCertificate(chain)).rejects.toThrow(/was revoked at/);
  const serial = issued[issued.length - 1] as string;
  expect(server.protocol).toBeDefined();
  expect(serial).toMatch(/^[0-9a-f]+$/);

  await client.updateAccount({ status: "deactivated" });
  await expect(client.createOrder({ identifiers: [{ type: "dns", value: "localhost" }] })).rejects.toThrow(/account is deactivated/);
});
