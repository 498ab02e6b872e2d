/**
 * The durable store: a server stopped mid-order and started again on the same home (same URL)
 * lets the client finish the order; records are 0600 JSON written atomically; the lock refuses a
 * second store on a home while the first is open and is released by close().
 */
import { createServer, type Server } from "node:http";
import { Agent } from "node:https";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import acme from "acme-client";
import { createRootCa } from "../../../src/pki/ca.js";
import { createAcmeServer } from "../../../src/acme/server.js";
import { FileAcmeStore } from "../../../src/acme/file-store.js";
import { freePort } from "../../helpers/ports.js";

const ca = createRootCa({ commonName: "durable store test CA" });
let home: string;
let target: Server;
let httpPort: number;
const tokens = new Map<string, string>();

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "regcert-acme-store-"));
  httpPort = await freePort();
  target = createServer((req, res) => {
    const answer = tokens.get(req.url?.split("/").pop() ?? "");
    res.writeHead(answer ? 200 : 404).end(answer ?? "");
  });
  await new Promise<void>((r) => target.listen(httpPort, "127.0.0.1", r));
  acme.axios.defaults.httpsAgent = new Agent({ ca: ca.certificatePem });
  acme.setLogger(() => undefined);
});
afterAll(async () => {
  await new Promise((r) => target.close(r));
  rmSync(home, { recursive: true, force: true });
});

const start = (port: number) => {
  const server = createAcmeServer({ ca: ca.issuer, store: new FileAcmeStore(home), allowDns: ["localhost"], httpPort });
  return { server, listening: server.listen(port, "127.0.0.1") };
};

test("a server restarted mid-order continues it: account, order and authorization survive", async () => {
  const port = await freePort();
  const first = start(port);
  const { directoryUrl } = await first.listening;
  const client = new acme.Client({ directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey(), backoffMin: 50, backoffMax: 300, backoffAttempts: 60 });
  await client.createAccount({ termsOfServiceAgreed: true });
  const order = await client.createOrder({ identifiers: [{ type: "dns", value: "localhost" }] });
  const [authz] = await client.getAuthorizations(order);
  await first.server.close();

  await new FileAcmeStore(home).close(); // the lock was released by close()
  const second = start(port);
  await second.listening;
  try {
    const challenge = authz?.challenges.find((c) => c.type === "http-01");
    if (!authz || !challenge) throw new Error("no http-01 challenge");
    tokens.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
    const [, csr] = await acme.crypto.createCsr({ altNames: ["localhost"] }, await acme.crypto.createPrivateEcdsaKey());
    const done = await client.finalizeOrder(order, csr);
    expect(done.status).toBe("valid");
    expect(await client.getCertificate(done)).toContain("BEGIN CERTIFICATE");
  } finally {
    await second.server.close();
  }
  // one journal, 0600, and nothing else: no temp files left behind
  expect(readdirSync(join(home, "acme")).sort()).toEqual(["state.journal"]);
  expect(statSync(join(home, "acme", "state.journal")).mode & 0o777).toBe(0o600);
});

test("a second store on the same home is refused while the first is open", async () => {
  const first = new FileAcmeStore(home);
  try {
    expect(() => new FileAcmeStore(home)).toThrow(expect.objectContaining({ code: "regcert.acmeLocked", exitCode: 2 }));
  } finally {
    await first.close();
  }
  await new FileAcmeStore(home).close();
});
