/**
 * regcert verify against a peer's test suite: the 148 x509-limbo path-validation cases in
 * ../shared/vectors/limbo-subset.json (format in its README), each run through the BUILT CLI as
 * `regcert verify --cert LEAF+INTERMEDIATES --ca ROOTS --host PEER [--at TIME] --strict --json`.
 *
 * One run gives two verdicts:
 * - the exit code: --strict (Go's rules + the RFC 5280 / CA/B Forum profile checks Go tolerates),
 *   which must agree with limbo on ≥ 95 % of the cases;
 * - `goValid` in the JSON: Go crypto/x509's own verdict (what `regcert verify` without --strict
 *   decides, what Docker/containerd/podman do).
 * Both disagreement sets are pinned exactly, each case with its reason, so a change in either
 * direction fails the test. Malformed certificates must give exit 1 (invalid), never 2.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO, runCli, tempWorkspace } from "../helpers/cli.js";

interface LimboCase {
  id: string;
  family: string;
  description: string;
  leaf_pem: string;
  intermediates_pem: string[];
  roots_pem: string[];
  validation_time: string | null;
  peer_name: { kind: "DNS" | "IP"; value: string };
  expected: "SUCCESS" | "FAILURE";
}

// a copy of ../shared/vectors (Apache-2.0, see LICENSE-x509-limbo.txt beside it), so a clone alone runs the suite
const VECTORS = process.env.LIMBO_VECTORS ?? join(REPO, "test", "fixtures", "limbo", "limbo-subset.json");
const cases: LimboCase[] = JSON.parse(readFileSync(VECTORS, "utf8"));

/**
 * Where `--strict` (the exit code) differs from limbo. Each reason is Go's documented behaviour,
 * which regcert keeps even under --strict, or an inconsistency inside limbo itself.
 */
const STRICT_DISAGREEMENTS: Record<string, string> = {
  "rfc5280::nc::permitted-self-issued":
    "Go applies name constraints to every certificate below the constrained CA, self-issued intermediates included (crypto/x509 Verify doc: 'Name constraints in the intermediates will be applied to all names claimed in the chain'; constraints.go checkChainConstraints has no self-issued exemption), so Go and regcert refuse the intermediate's SAN not-example.com",
  "rfc5280::nc::nc-forbids-othername-noop":
    "Go does not implement otherName (or directoryName) subtrees: parseNameConstraintsExtension marks the critical nameConstraints extension unhandled, and Verify fails with 'x509: unhandled critical extension' whether or not such names appear",
  "webpki::cn::not-in-san":
    "the CN merely names something absent from the SAN; Go ignores the CN entirely, and limbo's own SUCCESS cases carry such CNs too (rfc5280::nc::permitted-dns-match-more: CN=example.com, SAN foo.bar.example.com), so regcert reports it as a note, not a failure",
  "webpki::cn::punycode-not-in-san":
    "CN xn--nxasmq6b.com is a different name from the SAN xn--n3h.com, not another spelling of it: same class as webpki::cn::not-in-san (note only; Go ignores the CN)",
  "webpki::cn::utf8-vs-punycode-mismatch":
    "the CN test-測試.com is IDNA xn--test--gs1lv54n.com while the SAN is xn--test--wg5h0h.com (a different name in these regenerated vectors), so it is again a CN absent from the SAN: note only (Go ignores the CN)",
};

/** Where Go crypto/x509 (regcert verify without --strict, and Docker/containerd/podman) differs from limbo. */
const GO_DISAGREEMENTS: Record<string, string> = {
  "rfc5280::nc::permitted-self-issued": STRICT_DISAGREEMENTS["rfc5280::nc::permitted-self-issued"] as string,
  "rfc5280::nc::nc-forbids-othername-noop": STRICT_DISAGREEMENTS["rfc5280::nc::nc-forbids-othername-noop"] as string,
  "rfc5280::aki::leaf-missing-aki": "Go never requires authorityKeyIdentifier: findPotentialParents only uses key ids to order candidates by raw subject",
  "rfc5280::aki::intermediate-missing-aki": "same: Go does not require AKI on intermediates",
  "rfc5280::ski::root-missing-ski": "Go does not require subjectKeyIdentifier on CAs (only an ordering hint)",
  "rfc5280::ski::intermediate-missing-ski": "same: Go does not require SKI on intermediates",
  "webpki::aki::root-with-aki-missing-keyidentifier": "Go parses AKI only for its keyIdentifier and never checks its other fields or its presence on a root",
  "webpki::aki::root-with-aki-authoritycertissuer": "Go ignores authorityCertIssuer in AKI",
  "webpki::aki::root-with-aki-authoritycertserialnumber": "Go ignores authorityCertSerialNumber in AKI",
  "webpki::aki::root-with-aki-all-fields": "Go ignores AKI fields other than keyIdentifier",
  "webpki::aki::root-with-aki-ski-mismatch": "Go does not compare a self-signed root's AKI with its SKI",
  "rfc5280::eku::ee-eku-empty": "Go treats an empty extendedKeyUsage SEQUENCE like an absent one (checkChainForKeyUsage skips certificates with no EKUs)",
  "rfc5280::nc::invalid-dnsname-leading-period": "Go accepts a leading period in DNS constraints, meaning 'subdomains only' (Verify doc: 'DNS name constraints may use the leading period format defined for emails and URIs')",
  "rfc5280::nc::not-allowed-in-ee-noncritical": "Go ignores name constraints in a leaf: checkChainConstraints applies a certificate's constraints only to certificates below it",
  "rfc5280::nc::not-allowed-in-ee-critical": "same: nameConstraints is a handled extension in Go, so critical does not matter, and a leaf's constraints constrain nothing",
  "rfc5280::san::noncritical-with-empty-subject": "Go does not check the criticality of subjectAltName against an empty subject",
  "webpki::san::san-critical-with-nonempty-subject": "Go accepts a critical subjectAltName with a non-empty subject (it is a handled extension)",
  "rfc5280::san::underscore-dns": "Go's validHostname deliberately accepts '_' ('commonly found in deployments outside the WebPKI'), so foo_bar.example.com matches",
  "rfc5280::ca-empty-subject": "Go chains by raw name bytes; an empty subject equals an empty issuer and is not rejected",
  "rfc5280::root-non-critical-basic-constraints": "Go reads basicConstraints whether or not it is critical (also observed with skopeo: ../shared/reference/trust-locations.md §6)",
  "rfc5280::root-inconsistent-ca-extensions": "Go checks keyCertSign only when KeyUsage != 0; a keyUsage extension with no bit set is the same as none (CheckSignatureFrom)",
  "rfc5280::leaf-ku-keycertsign": "Go ignores keyUsage on leaves (verify.go: 'KeyUsage status flags are ignored')",
  "webpki::ee-basicconstraints-ca": "Go accepts a CA:TRUE leaf (limbo's own rfc5280::ca-as-leaf is SUCCESS); only intermediates must be CAs",
  "webpki::forbidden-weak-rsa-key-in-root": "Go 1.24+ refuses RSA keys under 1024 bits only; RSA-1024 still verifies",
  "webpki::forbidden-rsa-not-divisible-by-8-in-root": "Go has no rule on RSA modulus sizes that are not a multiple of 8",
  "webpki::cn::ipv4-hex-mismatch": "Go ignores the Common Name entirely (since Go 1.15), so a CN that differs from the SAN does not matter",
  "webpki::cn::ipv4-leading-zeros-mismatch": "Go ignores the CN",
  "webpki::cn::ipv6-uppercase-mismatch": "Go ignores the CN",
  "webpki::cn::ipv6-uncompressed-mismatch": "Go ignores the CN",
  "webpki::cn::ipv6-non-rfc5952-mismatch": "Go ignores the CN",
  "webpki::cn::punycode-not-in-san": "Go ignores the CN",
  "webpki::cn::utf8-vs-punycode-mismatch": "Go ignores the CN",
  "webpki::cn::not-in-san": "Go ignores the CN",
  "webpki::cn::case-mismatch": "Go ignores the CN",
};

interface Outcome {
  c: LimboCase;
  code: number;
  goValid: boolean | undefined;
  stderr: string;
}

async function runCase(c: LimboCase, dir: string, index: number): Promise<Outcome> {
  const chain = join(dir, `${index}-chain.pem`);
  const roots = join(dir, `${index}-roots.pem`);
  writeFileSync(chain, [c.leaf_pem, ...c.intermediates_pem].map((p) => p.trim()).join("\n") + "\n");
  writeFileSync(roots, c.roots_pem.map((p) => p.trim()).join("\n") + "\n");
  const args = ["--json", "verify", "--strict", "--cert", chain, "--ca", roots, "--host", c.peer_name.value];
  if (c.validation_time) args.push("--at", c.validation_time);
  const r = await runCli(args, { cwd: dir, timeoutMs: 30_000 });
  let goValid: boolean | undefined;
  try {
    goValid = (JSON.parse(r.stdout) as { goValid: boolean }).goValid;
  } catch {
    goValid = undefined;
  }
  return { c, code: r.code, goValid, stderr: r.stderr };
}

const pct = (n: number, of: number): string => `${((100 * n) / of).toFixed(1)} %`;

describe("x509-limbo subset through the built CLI", () => {
  const outcomes: Outcome[] = [];
  const ws = tempWorkspace("regcert-limbo-");

  beforeAll(async () => {
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        outcomes[i] = await runCase(cases[i] as LimboCase, ws.dir, i);
      }
    };
    await Promise.all([worker(), worker()]);
  }, 600_000);

  afterAll(() => ws.cleanup());

  test("the vectors are the 148 documented cases", () => {
    expect(cases).toHaveLength(148);
  });

  test("every case exits 0 (valid) or 1 (invalid), never 2 or a crash, with JSON on stdout", () => {
    const bad = outcomes.filter((o) => (o.code !== 0 && o.code !== 1) || o.goValid === undefined).map((o) => `${o.c.id}: exit ${o.code} ${o.stderr.slice(0, 200)}`);
    expect(bad).toEqual([]);
  });

  test("--strict agrees with limbo on ≥ 95 %, and every disagreement is the documented one", () => {
    const disagreements = outcomes.filter((o) => (o.code === 0) !== (o.c.expected === "SUCCESS")).map((o) => o.c.id).sort();
    const agreement = (cases.length - disagreements.length) / cases.length;
    const families = new Map<string, [number, number]>();
    for (const o of outcomes) {
      const f = families.get(o.c.family) ?? [0, 0];
      f[0]++;
      if ((o.code === 0) === (o.c.expected === "SUCCESS")) f[1]++;
      families.set(o.c.family, f);
    }
    const table = [...families].map(([family, [n, ok]]) => `${family}: ${ok}/${n}`).join("\n");
    process.stdout.write(`limbo --strict: ${cases.length - disagreements.length}/${cases.length} (${pct(cases.length - disagreements.length, cases.length)})\n${table}\n`);
    expect(disagreements).toEqual(Object.keys(STRICT_DISAGREEMENTS).sort());
    expect(agreement).toBeGreaterThanOrEqual(0.95);
  });

  test("Go's verdict (regcert verify without --strict) differs from limbo exactly where Go documents it", () => {
    const disagreements = outcomes.filter((o) => o.goValid !== (o.c.expected === "SUCCESS")).map((o) => o.c.id).sort();
    process.stdout.write(`limbo Go rules: ${cases.length - disagreements.length}/${cases.length} (${pct(cases.length - disagreements.length, cases.length)})\n`);
    expect(disagreements).toEqual(Object.keys(GO_DISAGREEMENTS).sort());
    // every Go disagreement is a case Go accepts and limbo refuses, except the two Go refuses
    const goStricter = outcomes.filter((o) => o.goValid === false && o.c.expected === "SUCCESS").map((o) => o.c.id).sort();
    expect(goStricter).toEqual(["rfc5280::nc::nc-forbids-othername-noop", "rfc5280::nc::permitted-self-issued"]);
  });

  test("without --strict the exit code is Go's verdict (spot check on cases where the two differ)", async () => {
    const differing = outcomes.filter((o) => o.goValid === true && o.code === 1).slice(0, 3);
    expect(differing.length).toBeGreaterThan(0);
    for (const o of differing) {
      const i = outcomes.indexOf(o);
      const args = ["verify", "--cert", join(ws.dir, `${i}-chain.pem`), "--ca", join(ws.dir, `${i}-roots.pem`), "--host", o.c.peer_name.value];
      if (o.c.validation_time) args.push("--at", o.c.validation_time);
      expect((await runCli(args, { cwd: ws.dir })).code).toBe(0);
    }
  });
});
