/**
 * Independent judges of what the built `regcert` writes: OpenSSL 3 (verify, x509 -text, -checkhost,
 * -checkip, req -verify), GnuTLS certtool and NSS certutil. `openssl x509 -checkhost/-checkip` and `certtool
 * --verify` exit 0 whether or not the check passes, so every assertion is on their printed text.
 */
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { certtool, checkHost, checkIp, extensionBlock, openssl, x509Text } from "../helpers/openssl.js";
import { runTool, type ToolResult } from "../helpers/run-tool.js";

const SLOW = 120_000;
type Workspace = ReturnType<typeof tempWorkspace>;
const workspaces: Workspace[] = [];

afterAll(() => {
  for (const ws of workspaces) ws.cleanup();
});

function workspace(): Workspace {
  const ws = tempWorkspace("regcert-xcheck-");
  workspaces.push(ws);
  return ws;
}

async function regcert(ws: Workspace, args: string[]): Promise<string> {
  const result = await runCli(args, { cwd: ws.dir, env: ws.env });
  if (result.code !== 0) throw new Error(`regcert ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

function ok(result: ToolResult): ToolResult {
  if (result.code !== 0) throw new Error(`${result.command} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

const DNS = ["registry.local", "localhost", "reg-1.example.com"];
const IPS = ["127.0.0.1", "192.168.0.12", "::1", "fd00::12"];

/** What OpenSSL prints as the signature algorithm of certificates signed by a CA key of this type. */
const SIGNATURE: Record<string, string> = {
  "ecdsa-p256": "ecdsa-with-SHA256",
  "ecdsa-p384": "ecdsa-with-SHA384",
  "rsa-2048": "sha256WithRSAEncryption",
  "rsa-3072": "sha256WithRSAEncryption",
  "rsa-4096": "sha256WithRSAEncryption",
};

/** A line `openssl pkey -text` prints for a private key of this type. */
const KEY_LINE: Record<string, string> = {
  "ecdsa-p256": "NIST CURVE: P-256",
  "ecdsa-p384": "NIST CURVE: P-384",
  "rsa-2048": "Private-Key: (2048 bit, 2 primes)",
  "rsa-3072": "Private-Key: (3072 bit, 2 primes)",
  "rsa-4096": "Private-Key: (4096 bit, 2 primes)",
};

describe.each(Object.keys(SIGNATURE))("regcert issue --key %s (CA made on first use with the same type)", (keyType) => {
  let ws: Workspace;
  let certs: string;
  let leafText: string;
  let caText: string;
  const isRsa = keyType.startsWith("rsa");

  beforeAll(async () => {
    ws = workspace();
    await regcert(ws, ["issue", ...DNS.flatMap((d) => ["--dns", d]), ...IPS.flatMap((i) => ["--ip", i]), "--key", keyType, "--out", "certs"]);
    certs = join(ws.dir, "certs");
    leafText = await x509Text(join(certs, "registry.crt"));
    caText = await x509Text(join(certs, "ca.crt"));
  }, SLOW);

  test("openssl verify -CAfile ca.crt registry.crt: OK (also with -x509_strict)", async () => {
    const plain = await openssl(["verify", "-CAfile", "ca.crt", "registry.crt"], { cwd: certs });
    expect(plain.stdout.trim()).toBe("registry.crt: OK");
    expect(plain.code).toBe(0);
    const strict = await openssl(["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", "ca.crt", "registry.crt"], { cwd: certs });
    expect(strict.stdout.trim()).toBe("registry.crt: OK");
  });

  test("the CA in the home is the ca.crt given to clients", () => {
    expect(readFileSync(join(certs, "ca.crt"), "utf8")).toBe(readFileSync(join(ws.home, "ca.crt"), "utf8"));
  });

  test("-checkhost matches every DNS SAN and no other name", async () => {
    for (const name of DNS) expect(await checkHost(join(certs, "registry.crt"), name)).toBe(`Hostname ${name} does match certificate`);
    for (const name of ["other.local", "registry.local.evil", "sub.registry.local"]) {
      expect(await checkHost(join(certs, "registry.crt"), name)).toBe(`Hostname ${name} does NOT match certificate`);
    }
  });

  test("-checkip matches every IP SAN (IPv4 and IPv6) and no other address", async () => {
    for (const ip of IPS) expect(await checkIp(join(certs, "registry.crt"), ip)).toBe(`IP ${ip} does match certificate`);
    for (const ip of ["10.0.0.1", "192.168.0.13", "::2", "fd00::13"]) {
      expect(await checkIp(join(certs, "registry.crt"), ip)).toBe(`IP ${ip} does NOT match certificate`);
    }
  });

  test("x509 -text: the server profile's extensions", () => {
    expect(extensionBlock(leafText, "X509v3 Basic Constraints")).toBe("X509v3 Basic Constraints: critical\nCA:FALSE");
    expect(extensionBlock(leafText, "X509v3 Key Usage")).toBe(
      `X509v3 Key Usage: critical\n${isRsa ? "Digital Signature, Key Encipherment" : "Digital Signature"}`,
    );
    expect(extensionBlock(leafText, "X509v3 Extended Key Usage")).toBe("X509v3 Extended Key Usage:\nTLS Web Server Authentication");
    expect(extensionBlock(leafText, "X509v3 Subject Alternative Name")).toBe(
      "X509v3 Subject Alternative Name:\n" +
        "DNS:registry.local, DNS:localhost, DNS:reg-1.example.com, IP Address:127.0.0.1, IP Address:192.168.0.12, IP Address:0:0:0:0:0:0:0:1, IP Address:FD00:0:0:0:0:0:0:12",
    );
    expect(extensionBlock(leafText, "X509v3 Subject Key Identifier")).toMatch(/^X509v3 Subject Key Identifier:\n([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(extensionBlock(leafText, "X509v3 Authority Key Identifier")).toMatch(/^X509v3 Authority Key Identifier:\n([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    expect(leafText).toContain("Version: 3 (0x2)");
    expect(leafText).toMatch(/Subject: O = regcert, CN = registry\.local\n/);
  });

  test("the leaf's AKI is the CA's SKI", () => {
    const ski = extensionBlock(caText, "X509v3 Subject Key Identifier").split("\n")[1];
    const aki = extensionBlock(leafText, "X509v3 Authority Key Identifier").split("\n")[1];
    expect(ski).toMatch(/^[0-9A-F:]+$/);
    expect(aki).toBe(ski);
  });

  test("x509 -text: the root CA's profile", () => {
    expect(extensionBlock(caText, "X509v3 Basic Constraints")).toBe("X509v3 Basic Constraints: critical\nCA:TRUE, pathlen:0");
    expect(extensionBlock(caText, "X509v3 Key Usage")).toBe("X509v3 Key Usage: critical\nCertificate Sign, CRL Sign");
    expect(extensionBlock(caText, "X509v3 Subject Key Identifier")).toMatch(/^X509v3 Subject Key Identifier:\n[0-9A-F:]+$/);
    expect(caText).not.toContain("Extended Key Usage");
  });

  test(`signatures: ${SIGNATURE[keyType]} on the CA and on the leaf`, () => {
    const algorithms = (text: string) => [...text.matchAll(/Signature Algorithm: (\S+)/g)].map((m) => m[1]);
    expect(algorithms(caText)).toEqual([SIGNATURE[keyType], SIGNATURE[keyType]]);
    expect(algorithms(leafText)).toEqual([SIGNATURE[keyType], SIGNATURE[keyType]]);
  });

  test("serial: 16 bytes, positive, different for CA and leaf", async () => {
    const serial = async (file: string) => ok(await openssl(["x509", "-in", file, "-noout", "-serial"], { cwd: certs })).stdout.trim();
    const leaf = await serial("registry.crt");
    const ca = await serial("ca.crt");
    for (const s of [leaf, ca]) expect(s).toMatch(/^serial=[0-7][0-9A-F]{31}$/);
    expect(leaf).not.toBe(ca);
  });

  test("registry.key is a PKCS#8 key of the asked type, 0600, and matches the certificate", async () => {
    expect(statSync(join(certs, "registry.key")).mode & 0o777).toBe(0o600);
    const keyPem = readFileSync(join(certs, "registry.key"), "utf8");
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const text = ok(await openssl(["pkey", "-in", "registry.key", "-noout", "-text"], { cwd: certs })).stdout;
    expect(text).toContain(KEY_LINE[keyType]);
    const fromKey = ok(await openssl(["pkey", "-in", "registry.key", "-pubout"], { cwd: certs })).stdout;
    const fromCert = ok(await openssl(["x509", "-in", "registry.crt", "-noout", "-pubkey"], { cwd: certs })).stdout;
    expect(fromCert).toBe(fromKey);
  });

  test("openssl req -verify on our CSR: verify OK, and it carries the same key and names", async () => {
    const result = await openssl(["req", "-verify", "-in", "registry.csr", "-noout", "-text"], { cwd: certs });
    expect(result.code).toBe(0);
    expect(result.stderr + result.stdout).toContain("verify OK");
    expect(result.stdout).toContain("DNS:registry.local, DNS:localhost, DNS:reg-1.example.com, IP Address:127.0.0.1");
    const csrKey = ok(await openssl(["req", "-in", "registry.csr", "-noout", "-pubkey"], { cwd: certs })).stdout;
    const certKey = ok(await openssl(["x509", "-in", "registry.crt", "-noout", "-pubkey"], { cwd: certs })).stdout;
    expect(csrKey).toBe(certKey);
  });

  test("registry.pem is the same certificate as registry.crt", () => {
    expect(readFileSync(join(certs, "registry.pem"), "utf8")).toBe(readFileSync(join(certs, "registry.crt"), "utf8"));
  });

  test("NSS certutil -V: valid as an SSL server certificate, not approved as a client one", async () => {
    const server = await nssVerify(ws.dir, join(certs, "ca.crt"), join(certs, "registry.crt"), "V");
    expect(server.stdout.trim()).toBe("certutil: certificate is valid");
    const client = await nssVerify(ws.dir, join(certs, "ca.crt"), join(certs, "registry.crt"), "C");
    expect(client.code).not.toBe(0);
    expect(client.stdout + client.stderr).toContain("certificate is invalid");
  });

  test("GnuTLS certtool --verify: the chain is trusted, for a name in the certificate", async () => {
    const result = await certtool(["--verify", "--load-ca-certificate", "ca.crt", "--infile", "registry.crt", "--verify-hostname", "registry.local"], { cwd: certs });
    expect(result.stdout).toContain("Chain verification output: Verified. The certificate is trusted.");
    const wrongName = await certtool(["--verify", "--load-ca-certificate", "ca.crt", "--infile", "registry.crt", "--verify-hostname", "other.local"], { cwd: certs });
    expect(wrongName.stdout).toContain("Not verified");
  });
});

/** NSS (Firefox, Chrome on Linux) as a third judge: a fresh certutil database trusting only `caFile`. */
async function nssVerify(dir: string, caFile: string, leafFile: string, usage: "V" | "C"): Promise<ToolResult> {
  const db = `sql:${join(dir, `nss-${usage}`)}`;
  mkdirSync(join(dir, `nss-${usage}`), { recursive: true });
  ok(await runTool("certutil", ["-N", "--empty-password", "-d", db]));
  ok(await runTool("certutil", ["-A", "-d", db, "-n", "ca", "-t", "C,,", "-i", caFile]));
  ok(await runTool("certutil", ["-A", "-d", db, "-n", "leaf", "-t", ",,", "-i", leafFile]));
  return runTool("certutil", ["-V", "-u", usage, "-n", "leaf", "-d", db]);
}

describe("judges that must say no (negative controls)", () => {
  test("a certificate from another CA fails openssl verify and certtool", async () => {
    const a = workspace();
    const b = workspace();
    await regcert(a, ["issue", "--dns", "localhost", "--out", "certs"]);
    await regcert(b, ["init-ca"]);
    const verify = await openssl(["verify", "-CAfile", join(b.home, "ca.crt"), join(a.dir, "certs", "registry.crt")]);
    expect(verify.code).not.toBe(0);
    expect(verify.stderr + verify.stdout).toContain("unable to get local issuer certificate");
    const gnutls = await certtool(["--verify", "--load-ca-certificate", join(b.home, "ca.crt"), "--infile", join(a.dir, "certs", "registry.crt")]);
    expect(gnutls.stdout).toContain("Not verified. The certificate is NOT trusted. The certificate issuer is unknown.");
  }, SLOW);
});

describe("regcert sign: CSRs made elsewhere", () => {
  test("a CSR made by openssl the seeds' way is signed and verifies", async () => {
    const ws = workspace();
    const cwd = { cwd: ws.dir };
    ok(await openssl(["genrsa", "-out", "registry.key", "2048"], cwd));
    ok(await openssl(["req", "-new", "-key", "registry.key", "-subj", "/CN=registry.local", "-out", "registry.csr"], cwd));
    await regcert(ws, ["sign", "--csr", "registry.csr", "--dns", "registry.local", "--ip", "192.168.0.12", "--out", "certs"]);
    const certs = join(ws.dir, "certs");
    expect((await openssl(["verify", "-CAfile", "ca.crt", "registry.crt"], { cwd: certs })).stdout.trim()).toBe("registry.crt: OK");
    expect(await checkHost(join(certs, "registry.crt"), "registry.local")).toBe("Hostname registry.local does match certificate");
    expect(await checkIp(join(certs, "registry.crt"), "192.168.0.12")).toBe("IP 192.168.0.12 does match certificate");
    const text = await x509Text(join(certs, "registry.crt"));
    expect(extensionBlock(text, "X509v3 Key Usage")).toBe("X509v3 Key Usage: critical\nDigital Signature, Key Encipherment");
    const fromKey = ok(await openssl(["pkey", "-in", "registry.key", "-pubout"], cwd)).stdout;
    const fromCert = ok(await openssl(["x509", "-in", join(certs, "registry.crt"), "-noout", "-pubkey"], cwd)).stdout;
    expect(fromCert).toBe(fromKey);
    const gnutls = await certtool(["--verify", "--load-ca-certificate", "ca.crt", "--infile", "registry.crt"], { cwd: certs });
    expect(gnutls.stdout).toContain("Chain verification output: Verified. The certificate is trusted.");
  }, SLOW);

  test("a CSR asking for CA:TRUE and keyCertSign gets our server profile: CA:FALSE", async () => {
    const ws = workspace();
    const cwd = { cwd: ws.dir };
    ok(
      await openssl(
        ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "evil.key", "-subj", "/CN=evil.local",
          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
          "-addext", "subjectAltName=DNS:evil.local,IP:10.1.2.3", "-out", "evil.csr"],
        cwd,
      ),
    );
    const csrText = ok(await openssl(["req", "-in", "evil.csr", "-noout", "-text"], cwd)).stdout;
    expect(csrText).toContain("CA:TRUE"); // the request really asks for it
    await regcert(ws, ["sign", "--csr", "evil.csr", "--out", "certs"]);
    const text = await x509Text(join(ws.dir, "certs", "evil.crt"));
    expect(extensionBlock(text, "X509v3 Basic Constraints")).toBe("X509v3 Basic Constraints: critical\nCA:FALSE");
    expect(extensionBlock(text, "X509v3 Key Usage")).toBe("X509v3 Key Usage: critical\nDigital Signature");
    expect(extensionBlock(text, "X509v3 Extended Key Usage")).toBe("X509v3 Extended Key Usage:\nTLS Web Server Authentication");
    // without --dns/--ip the CSR's own (validated) names are used
    expect(extensionBlock(text, "X509v3 Subject Alternative Name")).toBe("X509v3 Subject Alternative Name:\nDNS:evil.local, IP Address:10.1.2.3");
    // and the result cannot sign: a certificate "issued" by it does not verify
    ok(await openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "victim.key", "-subj", "/CN=victim.local", "-out", "victim.csr"], cwd));
    ok(await openssl(["x509", "-req", "-in", "victim.csr", "-CA", "certs/evil.crt", "-CAkey", "evil.key", "-CAcreateserial", "-days", "1", "-out", "victim.crt"], cwd));
    const chain = await openssl(["verify", "-CAfile", "certs/ca.crt", "-untrusted", "certs/evil.crt", "victim.crt"], cwd);
    expect(chain.code).not.toBe(0);
    expect(chain.stderr + chain.stdout).toContain("at 1 depth lookup: invalid CA certificate");
    expect(chain.stderr + chain.stdout).toContain("at 1 depth lookup: key usage does not include certificate signing");
  }, SLOW);

  test("--dns/--ip replace the CSR's names", async () => {
    const ws = workspace();
    const cwd = { cwd: ws.dir };
    ok(await openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "r.key", "-subj", "/CN=old.local", "-addext", "subjectAltName=DNS:old.local", "-out", "r.csr"], cwd));
    await regcert(ws, ["sign", "--csr", "r.csr", "--dns", "new.local", "--ip", "10.0.0.5", "--out", "certs"]);
    const crt = join(ws.dir, "certs", "r.crt");
    expect(extensionBlock(await x509Text(crt), "X509v3 Subject Alternative Name")).toBe("X509v3 Subject Alternative Name:\nDNS:new.local, IP Address:10.0.0.5");
    expect(await checkHost(crt, "old.local")).toBe("Hostname old.local does NOT match certificate");
  }, SLOW);
});

describe("other profiles", () => {
  test("issue --client --cn ci: TLS Web Client Authentication; openssl accepts it as sslclient, not sslserver", async () => {
    const ws = workspace();
    await regcert(ws, ["issue", "--client", "--cn", "ci", "--name", "ci", "--out", "certs"]);
    const certs = join(ws.dir, "certs");
    const text = await x509Text(join(certs, "ci.crt"));
    expect(extensionBlock(text, "X509v3 Extended Key Usage")).toBe("X509v3 Extended Key Usage:\nTLS Web Client Authentication");
    expect(extensionBlock(text, "X509v3 Basic Constraints")).toBe("X509v3 Basic Constraints: critical\nCA:FALSE");
    expect(text).toMatch(/Subject: O = regcert, CN = ci\n/);
    const asClient = await openssl(["verify", "-purpose", "sslclient", "-CAfile", "ca.crt", "ci.crt"], { cwd: certs });
    expect(asClient.stdout.trim()).toBe("ci.crt: OK");
    const asServer = await openssl(["verify", "-purpose", "sslserver", "-CAfile", "ca.crt", "ci.crt"], { cwd: certs });
    expect(asServer.code).not.toBe(0);
    expect(asServer.stderr + asServer.stdout).toContain("error 26 at 0 depth lookup: unsuitable certificate purpose");
  }, SLOW);

  test("an IP-only certificate has no CN: the subject is only O", async () => {
    const ws = workspace();
    await regcert(ws, ["issue", "--ip", "192.168.0.12", "--out", "certs"]);
    const crt = join(ws.dir, "certs", "registry.crt");
    expect(ok(await openssl(["x509", "-in", crt, "-noout", "-subject"])).stdout.trim()).toBe("subject=O = regcert");
    expect(await checkIp(crt, "192.168.0.12")).toBe("IP 192.168.0.12 does match certificate");
    const verify = await openssl(["verify", "-x509_strict", "-CAfile", "ca.crt", "registry.crt"], { cwd: join(ws.dir, "certs") });
    expect(verify.stdout.trim()).toBe("registry.crt: OK");
  }, SLOW);

  test("a P-384 CA signs a P-256 leaf with ecdsa-with-SHA384", async () => {
    const ws = workspace();
    await regcert(ws, ["init-ca", "--key", "ecdsa-p384"]);
    await regcert(ws, ["issue", "--dns", "localhost", "--key", "ecdsa-p256", "--out", "certs"]);
    const text = await x509Text(join(ws.dir, "certs", "registry.crt"));
    expect(text).toContain("Signature Algorithm: ecdsa-with-SHA384");
    expect(text).toContain("NIST CURVE: P-256");
    expect((await openssl(["verify", "-CAfile", "ca.crt", "registry.crt"], { cwd: join(ws.dir, "certs") })).stdout.trim()).toBe("registry.crt: OK");
  }, SLOW);
});
