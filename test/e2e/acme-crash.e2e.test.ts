/**
 * `regcert acme serve` (the built CLI) killed with SIGKILL in the middle of an order, and a torn record
 * at the end of its journal (what a crash during a write leaves): the server started again on the same
 * home and port takes over the dead server's lock, keeps every whole record, and the client (acme-client,
 * in-process) finishes the order it began; `openssl verify` judges the certificate. While a server
 * runs, a second one on the home is refused (exit 2, one line and a hint).
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readJournal, journalLine } from "../../src/files/journal.js";
import { completeHttp01, finalizeAndDownload, newAcmeClient, startAcmeServe, startHttp01Responder, trustAcmeCa, type AcmeServe, type Http01Responder } from "../helpers/acme.js";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { freePort } from "../helpers/ports.js";

let ws: ReturnType<typeof tempWorkspace>;
let responder: Http01Responder;

beforeAll(async () => {
  ws = tempWorkspace("regcert-acme-crash-");
  const r = await runCli(["init-ca"], { cwd: ws.dir, env: ws.env });
  expect(r.code).toBe(0);
  responder = await startHttp01Responder();
});
afterAll(async () => {
  await responder.close();
  ws.cleanup();
});

const serve = (port: number): Promise<AcmeServe> => startAcmeServe(ws.env, ["--allow-dns", "localhost", "--http-port", String(responder.port), "--tls-port", "1"], { port });

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

test("killed mid-order with a torn journal tail, restarted on the same home: the order is finished and the certificate verifies", async () => {
  const port = await freePort();
  const journal = join(ws.home, "acme", "state.journal");
  trustAcmeCa(readFileSync(join(ws.home, "ca.crt"), "utf8"));
  let first: AcmeServe | undefined = await serve(port);
  let second: AcmeServe | undefined;
  try {
    const client = await newAcmeClient(`https://127.0.0.1:${port}/acme/directory`);
    const order = await client.createOrder({ identifiers: [{ type: "dns", value: "localhost" }] });
    const [authz] = await client.getAuthorizations(order);
    const orderId = order.url.split("/").pop() as string;
    // the order record is written with the next batch (new-order does not wait for the disk)
    await until("the order in the journal", () => readJournal(journal).has(`order:${orderId}`));

    // a second server on the home is refused while the first lives
    const refused = await runCli(["acme", "serve", "--listen", `127.0.0.1:${await freePort()}`, "--allow-dns", "localhost"], { cwd: ws.dir, env: ws.env, timeoutMs: 30_000 });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^regcert: another regcert acme serve \(pid \d+\) is running on .*\nhint: stop it first/);

    process.kill(-(first.process.child.pid as number), "SIGKILL");
    await until("the server to die", () => first?.process.exited() === true);
    first = undefined;
    // what a crash in the middle of a write leaves: half a record
    const half = journalLine("order:torn", { id: "torn", pad: "z".repeat(300) });
    appendFileSync(journal, half.subarray(0, 150));

    second = await serve(port);
    expect(second.process.logs()).toMatch(/the ACME journal ended in a record torn by a crash \(150 bytes\): cut off, every whole record before it kept/);
    if (!authz) throw new Error("no authorization");
    await completeHttp01(client, authz, responder);
    const chain = await finalizeAndDownload(client, order, ["localhost"]); // throws unless the order is valid
    const file = join(ws.dir, "crash.pem");
    writeFileSync(file, chain);
    const v = await openssl(["verify", "-CAfile", join(ws.home, "ca.crt"), "-purpose", "sslserver", "-verify_hostname", "localhost", file]);
    expect(v.stdout.trim()).toBe(`${file}: OK`);
    const state = readJournal(journal);
    expect(state.has("order:torn")).toBe(false);
    expect(readFileSync(journal, "utf8")).not.toContain("order:torn"); // the torn bytes were cut, not merged into a later line
    expect((state.get(`order:${orderId}`) as { status: string }).status).toBe("valid");
  } finally {
    await first?.process.stop();
    await second?.process.stop();
  }
}, 180_000);
