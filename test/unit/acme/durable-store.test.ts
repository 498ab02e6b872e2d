/**
 * The durable store: a server stopped mid-order and started again on the same home (same URL)
 * lets the client finish the order; records are 0600 JSON written atomically; the lock refuses a
 * second store on a home while the first is open and is released by close().
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRootCa } from "../../../src/pki/ca.js";
import { createAcmeServer } from "../../../src/acme/server.js";
import { FileAcmeStore } from "../../../src/acme/file-store.js";
import { completeHttp01, finalizeAndDownload, newAcmeClient, startHttp01Responder, trustAcmeCa, type Http01Responder } from "../../helpers/acme.js";
import { freePort } from "../../helpers/ports.js";

const ca = createRootCa({ commonName: "durable store test CA" });
let home: string;
let responder: Http01Responder;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "regcert-acme-store-"));
  responder = await startHttp01Responder();
  trustAcmeCa(ca.certificatePem);
});
afterAll(async () => {
  await responder.close();
  rmSync(home, { recursive: true, force: true });
});

const start = (port: number) => {
  const server = createAcmeServer({ ca: ca.issuer, store: new FileAcmeStore(home), allowDns: ["localhost"], httpPort: responder.port });
  return { server, listening: server.listen(port, "127.0.0.1") };
};

test("a server restarted mid-order continues it: account, order and authorization survive", async () => {
  const port = await freePort();
  const first = start(port);
  const { directoryUrl } = await first.listening;
  const client = await newAcmeClient(directoryUrl);
  const order = await client.createOrder({ identifiers: [{ type: "dns", value: "localhost" }] });
  const [authz] = await client.getAuthorizations(order);
  await first.server.close();

  await new FileAcmeStore(home).close(); // the lock was released by close()
  const second = start(port);
  await second.listening;
  try {
    if (!authz) throw new Error("no authorization");
    await completeHttp01(client, authz, responder);
    expect(await finalizeAndDownload(client, order, ["localhost"])).toContain("BEGIN CERTIFICATE"); // throws unless the order is valid
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
