/**
 * Issue 11 (part B), defects 2, 3, 4, 5: the built CLI's `sign` refuses hostile CSRs with exit 2, one
 * `regcert:` line naming the reason and one `hint:` line with the fix, and writes nothing (the whole
 * work tree hashes the same before and after). The CSRs are assembled byte by byte
 * (test/helpers/csr-builder.ts) with valid self-signatures, so only regcert's CSR policy can refuse
 * them. Independent judges: `openssl req -text` shows only the first of duplicate extensionRequests
 * (what the operator reviews is not what would be signed), openssl accepts the self-signatures, and
 * `openssl asn1parse` shows the non-DER / wrong-length encodings regcert refuses.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, tempWorkspace } from "../helpers/cli.js";
import { openssl } from "../helpers/openssl.js";
import { toolAvailable } from "../helpers/run-tool.js";
import { treeState } from "../helpers/tree.js";
import * as b from "../helpers/csr-builder.js";

const hasOpenssl = toolAvailable("openssl");
if (process.env.CI === "true" && !hasOpenssl) throw new Error("openssl is required under CI (see .ci/run PACKAGES)");

const ws = tempWorkspace("regcert-csr-policy-");
const req = (exts: Uint8Array[][]) => [b.extensionRequest(...exts)];

beforeAll(async () => {
  mkdirSync(join(ws.dir, "in"));
  const made = await runCli(["init-ca", "--yes"], { cwd: ws.dir, env: ws.env });
  if (made.code !== 0) throw new Error(made.stderr);
}, 60_000);
afterAll(() => ws.cleanup());

function writeCsr(file: string, csr: { pem: string } | Uint8Array): string {
  const path = join(ws.dir, "in", file);
  writeFileSync(path, csr instanceof Uint8Array ? csr : csr.pem);
  return `in/${file}`;
}

/** Runs sign and asserts exit 2, exactly `regcert: <message>` + `hint: <hint>`, nothing written. */
async function refused(file: string, csr: { pem: string } | Uint8Array, message: string, hint: RegExp): Promise<void> {
  const rel = writeCsr(file, csr);
  const before = treeState(ws.dir);
  const result = await runCli(["sign", "--csr", rel, "--out", "out"], { cwd: ws.dir, env: ws.env, timeoutMs: 30_000 });
  const lines = result.stderr.trimEnd().split("\n");
  expect({ code: result.code, first: lines[0], count: lines.length }).toEqual({ code: 2, first: `regcert: ${rel} (--csr) ${message}`, count: 2 });
  expect(lines[1]).toMatch(/^hint: /);
  expect(lines[1]).toMatch(hint);
  expect(result.stdout).toBe("");
  expect(treeState(ws.dir)).toEqual(before);
}

const REMAKE = /openssl req -new/;

describe("defect 2: duplicate extensionRequest attributes or SAN extensions", () => {
  const benign = [b.san(b.dns("benign.example.com"))];
  const evil = [b.san(b.dns("evil.example.org"))];

  test("two extensionRequest attributes: openssl shows only the first; regcert refuses", async () => {
    const csr = b.buildCsr({ attributes: [b.extensionRequest(benign), b.extensionRequest(evil)] });
    if (hasOpenssl) {
      writeCsr("two-attributes.csr", csr);
      const text = await openssl(["req", "-in", join(ws.dir, "in", "two-attributes.csr"), "-noout", "-text", "-verify"]);
      expect(text.stdout).toContain("DNS:benign.example.com");
      expect(text.stdout).not.toContain("evil.example.org"); // the danger: the operator never sees it
      expect(text.stderr + text.stdout).toMatch(/verify OK/);
    }
    await refused(
      "two-attributes.csr",
      csr,
      "carries 2 extensionRequest attributes: openssl req -text shows only the first, so the names you reviewed may not be the ones that would be signed",
      /one subjectAltName/,
    );
  });

  test("one extensionRequest attribute with two values: openssl shows only the first; regcert refuses", async () => {
    const csr = b.buildCsr({ attributes: [b.extensionRequest(benign, evil)] });
    if (hasOpenssl) {
      writeCsr("two-values.csr", csr);
      const text = await openssl(["req", "-in", join(ws.dir, "in", "two-values.csr"), "-noout", "-text"]);
      expect(text.stdout).toContain("DNS:benign.example.com");
      expect(text.stdout).not.toContain("evil.example.org");
    }
    await refused("two-values.csr", csr, "carries 2 extensionRequest values: openssl req -text shows only the first, so the names you reviewed may not be the ones that would be signed", /one subjectAltName/);
  });

  test("two subjectAltName extensions in one request", async () => {
    const csr = b.buildCsr({ attributes: req([[...benign, ...evil]]) });
    await refused("two-sans.csr", csr, "asks for two subjectAltName extensions: openssl req -text shows only the first, so what you reviewed may not be what would be signed", /one subjectAltName/);
  });

  test("--json does not hide it either (same refusal, nothing on stdout)", async () => {
    const rel = writeCsr("two-attributes-json.csr", b.buildCsr({ attributes: [b.extensionRequest(benign), b.extensionRequest(evil)] }));
    const result = await runCli(["--json", "sign", "--csr", rel, "--out", "out"], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("extensionRequest attributes");
    expect(result.stdout).not.toContain("evil.example.org");
  });
});

describe("defect 3: EC public key in compressed point form (Go cannot load the certificate)", () => {
  test("refused with the reason Go gives and the openssl command that fixes the key", async () => {
    const key = b.newP256();
    const csr = b.buildCsr({ key, spki: b.compressedSpki(key) });
    if (hasOpenssl) {
      writeCsr("compressed.csr", csr);
      const text = await openssl(["req", "-in", join(ws.dir, "in", "compressed.csr"), "-noout", "-text", "-verify"]);
      expect(text.stdout).toMatch(/pub:\s+02:|pub:\s+03:/); // openssl reads it as compressed and its signature as valid
      expect(text.stderr + text.stdout).toMatch(/verify OK/);
    }
    await refused(
      "compressed.csr",
      csr,
      'has its P-256 public key in compressed point form: Go (docker-registry, containerd, skopeo) cannot load a certificate with it ("x509: failed to unmarshal elliptic curve point")',
      /-conv_form uncompressed/,
    );
  });
});

describe("defect 4: IP SANs that are not 4 or 16 bytes", () => {
  test.each([
    ["1 byte 0xdb", [0xdb], "1 byte(s) (hex db)"],
    ["2 bytes 0xcafe", [0xca, 0xfe], "2 byte(s) (hex cafe)"],
    ["5 bytes", [192, 0, 2, 1, 0], "5 byte(s) (hex c000020100)"],
  ])("%s is refused, not issued as a DNS name", async (label, bytes, text) => {
    const csr = b.buildCsr({ attributes: req([[b.san(b.ip(bytes))]]) });
    if (hasOpenssl) {
      const rel = writeCsr(`ip-${bytes.length}.csr`, csr);
      const shown = await openssl(["req", "-in", join(ws.dir, rel), "-noout", "-text"]);
      expect(shown.stdout).toContain(`IP Address:<invalid length=${bytes.length}>`);
    }
    await refused(`ip-${bytes.length}.csr`, csr, `asks for an IP address of ${text}: an IP SAN is 4 (IPv4) or 16 (IPv6) bytes`, /--dns\/--ip/);
    expect(label).toBeTruthy();
  });
});

describe("defect 5: encodings and names sign used to accept (or crash on)", () => {
  test("a dNSName in a non-ASCII encoding is a user error, not an internal error", async () => {
    const csr = b.buildCsr({ attributes: req([[b.san(b.dnsBytes(Uint8Array.from(Buffer.from("bücher.example", "utf8"))))]]) });
    await refused("utf8-dns.csr", csr, 'asks for the DNS name "bÃ¼cher.example", which is not ASCII (a dNSName is an IA5String; IDNs go in punycode, xn--)', /--dns\/--ip/);
  });

  test("a dNSName in constructed (BER) form", async () => {
    const csr = b.buildCsr({ attributes: req([[b.san(b.concat(Uint8Array.of(0xa2, 0x10), b.ia5("registry.local")))]]) });
    await refused("constructed-dns.csr", csr, "is not a valid PKCS#10 certificate request: a subjectAltName string in constructed (BER) form", REMAKE);
  });

  test("a subject string type X.509 names do not use (GeneralString)", async () => {
    const csr = b.buildCsr({ subject: b.name([b.CN, 0x1b, "registry.local"]) });
    await refused("general-string.csr", csr, "is not a valid PKCS#10 certificate request: a name attribute with the string type 0x1b, which X.509 names do not use", REMAKE);
  });

  test("trailing bytes after the CSR", async () => {
    const csr = b.buildCsr({ trailing: Uint8Array.of(0x00, 0x00, 0x05) });
    if (hasOpenssl) {
      writeFileSync(join(ws.dir, "in", "trailing.der"), csr.der);
      const parsed = await openssl(["asn1parse", "-inform", "DER", "-in", join(ws.dir, "in", "trailing.der")]);
      expect(parsed.stdout + parsed.stderr).toMatch(/0:d=0\s+hl=\d+ l=\s*\d+ cons: SEQUENCE/); // one SEQUENCE, then the extra bytes
    }
    await refused("trailing.csr", csr, "is not a valid PKCS#10 certificate request: 3 trailing byte(s) after the structure", REMAKE);
  });

  test("a length in long form where DER requires the short form (non-DER inside the signed part)", async () => {
    const subject = b.derSeq(b.derSet(b.derSeq(b.oid(b.CN), b.concat(Uint8Array.of(0x0c, 0x81, 14), Buffer.from("registry.local")))));
    const csr = b.buildCsr({ subject });
    if (hasOpenssl) {
      writeFileSync(join(ws.dir, "in", "long-length.der"), csr.der);
      const parsed = await openssl(["asn1parse", "-inform", "DER", "-in", join(ws.dir, "in", "long-length.der")]);
      expect(parsed.stdout).toMatch(/hl=3 l=\s*14 prim: UTF8STRING\s+:registry\.local/); // header of 3 bytes for a 14-byte string
    }
    await refused("long-length.csr", csr, "is not a valid PKCS#10 certificate request: length 14 written in long form (not the shortest form)", REMAKE);
  });

  test("a critical flag that is not 0xFF", async () => {
    const csr = b.buildCsr({ attributes: req([[b.extension("2.5.29.17", b.derSeq(b.dns("registry.local")), 0x01)]]) });
    await refused("boolean.csr", csr, "is not a valid PKCS#10 certificate request: a BOOLEAN that is not 0x00 or 0xFF", REMAKE);
  });

  test("a non-minimal version INTEGER", async () => {
    const csr = b.buildCsr({ version: b.hex("02020000") });
    await refused("version-padded.csr", csr, "is not a valid PKCS#10 certificate request: an INTEGER that is not minimally encoded", REMAKE);
  });

  test("CSR version 5", async () => {
    const csr = b.buildCsr({ version: b.hex("020105") });
    await refused("version5.csr", csr, "declares version 5 (the only PKCS#10 version is 0, v1)", REMAKE);
  });

  test.each([
    ["padded", " registry.local", 'asks for " registry.local" is not a valid DNS name or IP address: it has spaces around it'],
    ["bad-xn", "xn--abc.example", 'asks for "xn--abc.example" is not a valid DNS name or IP address: label "xn--abc" starts with "xn--" but is not valid IDNA punycode'],
    ["psl-wildcard", "*.co.uk", 'asks for "*.co.uk" is not a valid DNS name or IP address: a wildcard directly over the public suffix "co.uk" would cover every site registered under it'],
    ["ip-as-dns", "192.0.2.1", 'asks for "192.0.2.1" as a DNS name; an IP address must be an IP SAN (clients never match it as a name)'],
  ])("DNS SAN %s is refused", async (file, value, message) => {
    await refused(`${file}.csr`, b.buildCsr({ attributes: req([[b.san(b.dns(value))]]) }), message, /--dns\/--ip/);
  });

  test.each([
    ["ipv4-unspecified", [0, 0, 0, 0], "0.0.0.0"],
    ["ipv6-unspecified", new Array(16).fill(0), "::"],
  ])("IP SAN %s is refused", async (file, bytes, text) => {
    const csr = b.buildCsr({ attributes: req([[b.san(b.ip(bytes))]]) });
    await refused(`${file}.csr`, csr, `asks for "${text}" is the unspecified address: it names no host, so no client can reach a registry by it`, /--dns\/--ip/);
  });
});

describe("what still signs", () => {
  test("a well-formed request from the same builder is signed (the refusals above are about the defect, not the builder)", async () => {
    const rel = writeCsr("good.csr", b.buildCsr({ attributes: req([[b.san(b.dns("registry.local"), b.ip([192, 0, 2, 10]))]]) }));
    const result = await runCli(["sign", "--csr", rel, "--out", "good"], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    if (hasOpenssl) {
      const text = await openssl(["x509", "-in", join(ws.dir, "good", "good.crt"), "-noout", "-ext", "subjectAltName"]);
      expect(text.stdout).toMatch(/DNS:registry\.local, IP Address:192\.0\.2\.10/);
      const verified = await openssl(["verify", "-CAfile", join(ws.dir, "good", "ca.crt"), join(ws.dir, "good", "good.crt")]);
      expect(verified.stdout).toMatch(/: OK/);
    }
  });

  test("what is dropped is named in words: subject C/ST/L/O, CA:TRUE, key usage, extended key usage", async () => {
    const csr = b.buildCsr({
      subject: b.name(["2.5.4.6", 0x13, "DE"], ["2.5.4.8", 0x0c, "Berlin"], ["2.5.4.7", 0x0c, "Berlin"], ["2.5.4.10", 0x0c, "Acme"], [b.CN, 0x0c, "registry.local"]),
      attributes: req([[b.san(b.dns("registry.local")), b.basicConstraintsCa(), b.keyUsage([0, 5]), b.extKeyUsage("1.3.6.1.5.5.7.3.3")]]),
    });
    const rel = writeCsr("drops.csr", csr);
    const result = await runCli(["sign", "--csr", rel, "--out", "drops"], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    const warnings = result.stderr.split("\n").filter((l) => l.startsWith("warning: "));
    expect(warnings).toEqual([
      "warning: subject C/ST/L/O dropped (the certificate's subject is the CN and the CA's O)",
      "warning: asked for CA:TRUE; issued as CA:FALSE (regcert never signs a CA from a CSR)",
      "warning: asked for key usage digitalSignature, certSign; issued with digitalSignature",
      "warning: asked for extended key usage codeSigning; issued for serverAuth only",
    ]);
    expect(result.stderr).not.toMatch(/\d+\.\d+\.\d+\.\d+\.\d+/); // never a raw OID
  });
});
