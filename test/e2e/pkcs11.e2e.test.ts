/**
 * CA keys in a PKCS#11 token, for real: a SoftHSM2 token initialised by this suite in a temp
 * SOFTHSM2_CONF (removed after), the built CLI, and independent judges: opensc's pkcs11-tool (the key
 * is on the token, sensitive and never extractable), openssl verify (the CA and
 * leaves signed through the token), and Go (skopeo against the real docker-registry serving a leaf
 * signed by the token key). Refusals (wrong PIN, missing token, missing module, a token key that does
 * not match --import-cert, a label already used) are exit 2 with one line and nothing written.
 * Needs softhsm2, opensc, openssl, skopeo, docker-registry and the optional pkcs11js binding; under CI
 * a missing one fails these tests.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CliResult, runCli, tempWorkspace } from "../helpers/cli.js";
import { makeOciImage, type OciLayoutInfo } from "../helpers/oci.js";
import { openssl } from "../helpers/openssl.js";
import { type RunningRegistry, startRegistry } from "../helpers/registry.js";
import { skopeoRoundTrip } from "../helpers/round-trip.js";
import { runTool } from "../helpers/run-tool.js";
import { parseAllDocuments } from "yaml";

const SLOW = 180_000;
const MODULE = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"].find((p) => existsSync(p)) ?? "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN = "regcert-e2e";
const PIN = "246810";

type Workspace = ReturnType<typeof tempWorkspace>;
let root: Workspace;
let env: NodeJS.ProcessEnv;
let pinFile: string;
let badPinFile: string;
let image: OciLayoutInfo;
let registry: RunningRegistry | undefined;
const homes: string[] = [];

const uri = (object: string, token = TOKEN) => `pkcs11:token=${token};object=${object}`;

/** A fresh home (and work dir) inside the suite's temp dir. */
function home(name: string): { dir: string; home: string; env: NodeJS.ProcessEnv } {
  const dir = join(root.dir, name);
  mkdirSync(dir, { recursive: true });
  const h = join(dir, "home");
  homes.push(h);
  return { dir, home: h, env: { ...env, REGCERT_HOME: h } };
}

async function regcert(ws: { dir: string; env: NodeJS.ProcessEnv }, args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: ws.dir, env: ws.env, timeoutMs: SLOW });
}
async function ok(ws: { dir: string; env: NodeJS.ProcessEnv }, args: string[]): Promise<CliResult> {
  const result = await regcert(ws, args);
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}
const pkcs11Tool = (args: string[]) => runTool("pkcs11-tool", ["--module", MODULE, "--token-label", TOKEN, ...args], { env, timeoutMs: 60_000 });

beforeAll(async () => {
  root = tempWorkspace("regcert-pkcs11-");
  const conf = join(root.dir, "softhsm2.conf");
  const tokens = join(root.dir, "tokens");
  mkdirSync(tokens, { recursive: true });
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  env = { ...root.env, SOFTHSM2_CONF: conf };
  const init = await runTool("softhsm2-util", ["--init-token", "--free", "--label", TOKEN, "--so-pin", "13572468", "--pin", PIN], { env });
  if (init.code !== 0) throw new Error(`softhsm2-util --init-token failed:\n${init.stdout}\n${init.stderr}`);
  pinFile = join(root.dir, "pin.txt");
  badPinFile = join(root.dir, "bad-pin.txt");
  writeFileSync(pinFile, `${PIN}\n`, { mode: 0o600 });
  writeFileSync(badPinFile, "999999\n", { mode: 0o600 });
  image = makeOciImage(join(root.dir, "image"), { files: { "hello.txt": "signed through a token\n" } });
}, SLOW);

afterAll(async () => {
  await registry?.stop();
  root.cleanup(); // the token directory and SOFTHSM2_CONF go with it
}, SLOW);

describe("init-ca --pkcs11: a P-256 key generated in the token", () => {
  const a = () => homes[0] as string;
  let ws: ReturnType<typeof home>;
  let created: CliResult;
  beforeAll(async () => {
    ws = home("a");
    created = await ok(ws, ["init-ca", "--pkcs11", uri("regcert-ca"), "--pkcs11-module", MODULE, "--pin-file", pinFile]);
  }, SLOW);

  test("the home holds ca.crt and the key's URI, no key file and no PIN", () => {
    expect(created.stdout).toContain("with its key in the PKCS#11 token");
    expect(readdirSync(a()).sort()).toEqual(["ca.crt", "ca.pkcs11"]);
    const reference = JSON.parse(readFileSync(join(a(), "ca.pkcs11"), "utf8")) as { uri: string; module: string };
    expect(reference.uri).toMatch(/^pkcs11:token=regcert-e2e;object=regcert-ca;id=(%[0-9A-F]{2}){16};type=private$/);
    expect(reference.module).toBe(MODULE);
    expect(readFileSync(join(a(), "ca.pkcs11"), "utf8")).not.toContain(PIN);
  });

  test("pkcs11-tool: the private key is on the token, sensitive and never extractable", async () => {
    const listed = await pkcs11Tool(["--login", "--pin", PIN, "--list-objects", "--type", "privkey"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/Private Key Object; EC\s+label:\s+regcert-ca/);
    expect(listed.stdout).toMatch(/Usage:\s+sign\n/);
    expect(listed.stdout).toMatch(/Access:\s+sensitive, always sensitive, never extractable, local/);
  }, SLOW);

  test("openssl: the root is self-signed by the token key (P-256, ECDSA-SHA256) and its public key is the token's", async () => {
    const verified = await openssl(["verify", "-x509_strict", "-CAfile", join(a(), "ca.crt"), join(a(), "ca.crt")]);
    expect(verified.stdout).toContain(": OK");
    const text = await openssl(["x509", "-in", join(a(), "ca.crt"), "-noout", "-text"]);
    expect(text.stdout).toContain("ASN1 OID: prime256v1");
    expect(text.stdout).toContain("Signature Algorithm: ecdsa-with-SHA256");
    const listed = await pkcs11Tool(["--list-objects", "--type", "pubkey"]);
    const point = /EC_POINT:\s+([0-9a-f]+)/.exec(listed.stdout)?.[1];
    const pubkey = await openssl(["x509", "-in", join(a(), "ca.crt"), "-noout", "-pubkey"]);
    const der = Buffer.from(pubkey.stdout.replace(/-----[^-]+-----|\s/g, ""), "base64");
    // SPKI of P-256 ends with the 65-byte uncompressed point; CKA_EC_POINT is it inside an OCTET STRING (04 41 …)
    expect(point).toBe(`0441${der.subarray(der.length - 65).toString("hex")}`);
  }, SLOW);

  test("issue signs through the token: openssl verifies the leaf, Go (skopeo + docker-registry) accepts it", async () => {
    const issued = await ok(ws, ["issue", "--dns", "localhost", "--ip", "127.0.0.1", "--pin-file", pinFile]);
    expect(issued.stdout).toContain("Server certificate for DNS:localhost, IP:127.0.0.1");
    const verified = await openssl(["verify", "-x509_strict", "-CAfile", join(a(), "ca.crt"), "-verify_hostname", "localhost", join(ws.dir, "certs", "registry.crt")]);
    expect(verified.stdout).toContain(": OK");
    registry = await startRegistry({ host: "127.0.0.1", tls: { certificate: join(ws.dir, "certs", "registry.crt"), key: join(ws.dir, "certs", "registry.key") } });
    const caPem = readFileSync(join(a(), "ca.crt"), "utf8");
    await skopeoRoundTrip(ws.dir, image, registry, `localhost:${registry.port}`, caPem, "pkcs11/hello");
    await skopeoRoundTrip(ws.dir, image, registry, `127.0.0.1:${registry.port}`, caPem, "pkcs11/hello-ip");
  }, SLOW);

  test("sign (an openssl CSR) and renew also sign through the token", async () => {
    const key = join(ws.dir, "ext.key");
    const csr = join(ws.dir, "ext.csr");
    expect((await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/CN=ext.local", "-addext", "subjectAltName=DNS:ext.local", "-out", csr])).code).toBe(0);
    await ok(ws, ["sign", "--csr", csr, "--pin-file", pinFile]);
    expect((await openssl(["verify", "-CAfile", join(a(), "ca.crt"), join(ws.dir, "certs", "ext.crt")])).stdout).toContain(": OK");
    await ok(ws, ["renew", "registry", "--pin-file", pinFile]);
    expect((await openssl(["verify", "-CAfile", join(a(), "ca.crt"), join(ws.dir, "certs", "registry.crt")])).stdout).toContain(": OK");
  }, SLOW);

  test("a wrong PIN or no PIN at all: exit 2, nothing written", async () => {
    for (const args of [["--pin-file", badPinFile], []]) {
      const result = await regcert(ws, ["issue", "--dns", "nope.local", "--name", "nope", "--out", "nope", ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(args.length > 0 ? /^regcert: wrong PIN for token "regcert-e2e"$/m : /^regcert: the CA key is in a PKCS#11 token and no PIN was given$/m);
      expect(result.stderr).toMatch(/^hint: /m);
      expect(existsSync(join(ws.dir, "nope"))).toBe(false);
    }
  }, SLOW);

  test("--import-cert adopts the same token key in another home (pin-source in the URI); leaves verify under the first home's CA", async () => {
    const b = home("b");
    const adopted = await ok(b, ["init-ca", "--pkcs11", `${uri("regcert-ca")}?pin-source=${pinFile}`, "--pkcs11-module", MODULE, "--import-cert", join(a(), "ca.crt")]);
    expect(adopted.stdout).toContain("Adopted CA");
    expect(readFileSync(join(b.home, "ca.crt"), "utf8")).toBe(readFileSync(join(a(), "ca.crt"), "utf8"));
    expect(readFileSync(join(b.home, "ca.pkcs11"), "utf8")).toContain(`?pin-source=`);
    await ok(b, ["issue", "--dns", "b.local"]); // the PIN comes from pin-source
    expect((await openssl(["verify", "-CAfile", join(a(), "ca.crt"), join(b.dir, "certs", "registry.crt")])).stdout).toContain(": OK");
  }, SLOW);
});

test.each(["rsa-2048", "ecdsa-p384"])("init-ca --pkcs11 --key %s: root and leaf signed in the token pass openssl verify", async (key) => {
  const ws = home(`k-${key}`);
  await ok(ws, ["init-ca", "--pkcs11", uri(`ca-${key}`), "--pkcs11-module", MODULE, "--pin-file", pinFile, "--key", key]);
  await ok(ws, ["issue", "--dns", "registry.local", "--pin-file", pinFile]);
  const text = await openssl(["x509", "-in", join(ws.home, "ca.crt"), "-noout", "-text"]);
  expect(text.stdout).toContain(key === "rsa-2048" ? "Public-Key: (2048 bit)" : "ASN1 OID: secp384r1");
  expect(text.stdout).toContain(key === "rsa-2048" ? "Signature Algorithm: sha256WithRSAEncryption" : "Signature Algorithm: ecdsa-with-SHA384");
  expect((await openssl(["verify", "-x509_strict", "-CAfile", join(ws.home, "ca.crt"), join(ws.home, "ca.crt")])).stdout).toContain(": OK");
  expect((await openssl(["verify", "-x509_strict", "-CAfile", join(ws.home, "ca.crt"), join(ws.dir, "certs", "registry.crt")])).stdout).toContain(": OK");
}, SLOW);

test("k8s registry-secret --cert-manager --pin-file: the intermediate CA is signed in the token (openssl verifies it and a leaf it signs); a wrong or missing PIN is exit 2 with nothing written", async () => {
  const ws = home("k8s");
  await ok(ws, ["init-ca", "--pkcs11", uri("ca-k8s"), "--pkcs11-module", MODULE, "--pin-file", pinFile, "--max-path-len", "1"]);
  await ok(ws, ["k8s", "registry-secret", "--name", "registry", "--cert-manager", "--dns", "registry.local", "--pin-file", pinFile, "--out", "cm.yaml"]);
  const secret = parseAllDocuments(readFileSync(join(ws.dir, "cm.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; data?: Record<string, string> })[0];
  expect(secret?.kind).toBe("Secret");
  const b64 = (text: string | undefined) => Buffer.from(text ?? "", "base64").toString("utf8");
  const [intermediatePem] = b64(secret?.data?.["tls.crt"]).split(/(?<=-----END CERTIFICATE-----\n)/);
  writeFileSync(join(ws.dir, "int.crt"), intermediatePem as string);
  writeFileSync(join(ws.dir, "int.key"), b64(secret?.data?.["tls.key"]), { mode: 0o600 });
  expect((await openssl(["verify", "-x509_strict", "-CAfile", join(ws.home, "ca.crt"), join(ws.dir, "int.crt")])).stdout).toContain(": OK");
  // a leaf signed by OpenSSL with the intermediate key verifies up to the token-held root
  const leafKey = join(ws.dir, "leaf.key");
  expect((await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", leafKey, "-subj", "/O=t", "-out", join(ws.dir, "leaf.csr")])).code).toBe(0);
  writeFileSync(join(ws.dir, "leaf.cnf"), "subjectAltName=DNS:registry.local\nextendedKeyUsage=serverAuth\n");
  expect((await openssl(["x509", "-req", "-in", join(ws.dir, "leaf.csr"), "-CA", join(ws.dir, "int.crt"), "-CAkey", join(ws.dir, "int.key"), "-CAcreateserial", "-days", "30", "-extfile", join(ws.dir, "leaf.cnf"), "-out", join(ws.dir, "leaf.crt")])).code).toBe(0);
  expect((await openssl(["verify", "-CAfile", join(ws.home, "ca.crt"), "-untrusted", join(ws.dir, "int.crt"), join(ws.dir, "leaf.crt")])).stdout).toContain(": OK");
  for (const args of [["--pin-file", badPinFile], []]) {
    const result = await regcert(ws, ["k8s", "registry-secret", "--name", "registry", "--cert-manager", "--dns", "registry.local", "--out", "nope.yaml", ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(args.length > 0 ? /^regcert: wrong PIN for token "regcert-e2e"$/m : /^regcert: the CA key is in a PKCS#11 token and no PIN was given$/m);
    expect(result.stderr).toMatch(/^hint: /m);
    expect(existsSync(join(ws.dir, "nope.yaml"))).toBe(false);
  }
}, SLOW);

describe("refusals: exit 2, one clear line and a hint, nothing written, nothing generated", () => {
  const refused = async (name: string, args: string[], message: RegExp) => {
    const ws = home(name);
    const before = (await pkcs11Tool(["--login", "--pin", PIN, "--list-objects"])).stdout;
    const result = await regcert(ws, ["init-ca", ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^hint: \S/m);
    expect(existsSync(ws.home)).toBe(false);
    expect((await pkcs11Tool(["--login", "--pin", PIN, "--list-objects"])).stdout).toBe(before);
  };

  test("a wrong PIN", () => refused("r-pin", ["--pkcs11", uri("r-pin"), "--pkcs11-module", MODULE, "--pin-file", badPinFile], /^regcert: wrong PIN for token "regcert-e2e"$/m), SLOW);
  test("a missing token", () => refused("r-token", ["--pkcs11", uri("x", "no-such-token"), "--pkcs11-module", MODULE, "--pin-file", pinFile], /^regcert: no token "no-such-token" in the PKCS#11 module \(tokens present: .*"regcert-e2e"/m), SLOW);
  test("a missing module", () => refused("r-module", ["--pkcs11", uri("x"), "--pkcs11-module", join(root.dir, "no-such-module.so"), "--pin-file", pinFile], /^regcert: the PKCS#11 module .*no-such-module\.so does not exist$/m), SLOW);
  test("a token key that does not match --import-cert", async () => {
    const other = home("r-other");
    await ok(other, ["init-ca"]);
    await refused("r-mismatch", ["--pkcs11", uri("regcert-ca"), "--pkcs11-module", MODULE, "--pin-file", pinFile, "--import-cert", join(other.home, "ca.crt")], /^regcert: the token key pkcs11:.* is not the key of .*ca\.crt \(--import-cert\)$/m);
  }, SLOW);
  test("a label that already names a key (adopt it instead)", () => refused("r-exists", ["--pkcs11", uri("regcert-ca"), "--pkcs11-module", MODULE, "--pin-file", pinFile], /^regcert: token "regcert-e2e" already holds a private key labelled "regcert-ca"$/m), SLOW);
  test("not a pkcs11: URI", () => refused("r-uri", ["--pkcs11", "token=regcert-e2e", "--pkcs11-module", MODULE, "--pin-file", pinFile], /^regcert: --pkcs11: not an RFC 7512 PKCS#11 URI/m), SLOW);
});
