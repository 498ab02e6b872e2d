/** Host lists (line-numbered refusals) and planFleet = planTrust (one call; linearity: test/unit/trust/plan-linear.test.ts). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkHostList, readHostLines } from "../../../src/fleet/hosts.js";
import { planFleet } from "../../../src/fleet/plan.js";
import { renderFleet } from "../../../src/fleet/index.js";
import { RegcertError } from "../../../src/pki/errors.js";
import { cliMessage } from "../../../src/cli/option-flags.js";
import { planTrust } from "../../../src/trust/plan.js";
import { REPO } from "../../helpers/cli.js";

const fixture = (name: string) => readFileSync(join(REPO, "test/fixtures/trust", name), "utf8");
const CA = fixture("ca-a.crt");

function refusal(fn: () => unknown): RegcertError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RegcertError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("hosts files", () => {
  test("comments, blank lines and CRLF are accepted; lines are numbered", () => {
    const entries = readHostLines("# registries\r\nreg.example.test:5000\r\n\r\n  192.0.2.10:5000  # lab\r\n[2001:db8::1]:5000\n", "hosts.txt");
    expect(entries).toEqual([
      { host: "reg.example.test:5000", where: "hosts.txt line 2" },
      { host: "192.0.2.10:5000", where: "hosts.txt line 4" },
      { host: "[2001:db8::1]:5000", where: "hosts.txt line 5" },
    ]);
    expect(checkHostList(entries)).toEqual(["reg.example.test:5000", "192.0.2.10:5000", "[2001:db8::1]:5000"]);
  });

  test.each([
    ["a.example.test:5000\nb.example.test:5000\nA.EXAMPLE.TEST:5000\n", /^hosts\.txt line 3: a\.example\.test:5000 is listed twice \(first at hosts\.txt line 1\)$/, "regcert.duplicateHost"],
    ["a.example.test:5000\nb.example.test:99999\n", /^hosts\.txt line 2: --host "b\.example\.test:99999" has an invalid port 99999/, "regcert.invalidHost"],
    ["a.example.test:5000\n\nb.example.test:0\n", /^hosts\.txt line 3: .*invalid port/, "regcert.invalidHost"],
    ["a.example.test:5000\nb.example\u001b[31m.test:5000\n", /^hosts\.txt line 2 holds a control character: b\.example\\x1b\[31m\.test:5000$/, "regcert.invalidHost"],
    ["a.example.test:5000 b.example.test:5000\n", /^hosts\.txt line 1 holds more than one word/, "regcert.invalidHost"],
    ["{{ 7*7 }}:5000\n", /^hosts\.txt line 1 holds more than one word/, "regcert.invalidHost"],
    ["{{7*7}}:5000\n", /^hosts\.txt line 1: /, "regcert.invalidName"],
    ["https://a.example.test:5000\n", /^hosts\.txt line 1: --host .* has a URL scheme/, "regcert.invalidHost"],
  ])("%j is refused naming the line", (text, message, code) => {
    const error = refusal(() => checkHostList(readHostLines(text, "hosts.txt")));
    // the patterns are the CLI's text (--host); the library's names the option (hosts: …), engine-errors.test.ts
    expect(cliMessage(error)).toMatch(message);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toBeTruthy();
    if (code !== "regcert.invalidName") expect(error.code).toBe(code);
  });

  test("an empty list is refused", () => {
    expect(refusal(() => checkHostList(readHostLines("# nothing\n\n", "hosts.txt"))).code).toBe("regcert.noHosts");
  });
});

describe("planFleet is planTrust", () => {
  test("a small fleet: exactly planTrust's plan", () => {
    const options = { hosts: ["reg.example.test:5000", "reg.example.test"], caPem: CA, targets: ["docker", "containerd", "system", "k3s"] as const };
    expect(planFleet({ ...options, targets: [...options.targets] })).toEqual(planTrust({ ...options, targets: [...options.targets], root: "/", systemFamily: "debian" }));
  });
});

describe("refusals before anything is rendered", () => {
  const base = { hosts: ["reg.example.test:5000"], caPem: CA };
  test("a CA that is not a CA", () => {
    const error = refusal(() => renderFleet({ ...base, engine: "ansible", caPem: fixture("client-a.crt") }));
    expect(error.code).toBe("regcert.notCa");
  });
  test("a client key without its certificate", () => {
    expect(refusal(() => renderFleet({ ...base, engine: "cloud-init", clientKeyPem: fixture("client-a.key") })).code).toBe("regcert.clientPairIncomplete");
  });
  test("a client pair where the engine has no place for it", () => {
    expect(refusal(() => renderFleet({ ...base, engine: "bottlerocket", clientCertPem: fixture("client-a.crt"), clientKeyPem: fixture("client-a.key") })).code).toBe("regcert.clientNotSupported");
  });
  test("--target where it does not apply, --uninstall where it means nothing, microk8s at first boot", () => {
    expect(refusal(() => renderFleet({ ...base, engine: "talos", targets: ["docker"] })).code).toBe("regcert.targetNotApplicable");
    expect(refusal(() => renderFleet({ ...base, engine: "ignition", uninstall: true })).code).toBe("regcert.uninstallNotApplicable");
    expect(refusal(() => renderFleet({ ...base, engine: "cloud-init", targets: ["microk8s"] })).code).toBe("regcert.invalidTarget");
  });
  test("OpenShift cannot key an IPv6 registry", () => {
    expect(refusal(() => renderFleet({ ...base, engine: "openshift", hosts: ["[2001:db8::1]:5000"] })).code).toBe("regcert.ipv6NotSupported");
  });
});
