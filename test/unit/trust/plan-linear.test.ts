/**
 * planTrust and parseRegistryHosts do work linear in the number of hosts (issue 15: a fleet of 10,000
 * registries). Judged without timings:
 * - a work counter: every Array search (some, find, findIndex, includes, indexOf, lastIndexOf, filter)
 *   made while planning is charged the length of the array it scans; doubling the hosts must about
 *   double the charge (a linear search per host, as before, quadruples it);
 * - the plan of 3,000 hosts with duplicates in other spellings is, byte for byte, the plan made the old
 *   way (500-host chunks, each planned alone, merged): the one call loses nothing and reorders nothing;
 * - a hosts file of 3,000 lines still refuses a duplicate naming both lines.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkHostList, readHostLines } from "../../../src/fleet/hosts.js";
import { RegcertError } from "../../../src/pki/errors.js";
import { parseRegistryHost, parseRegistryHosts } from "../../../src/trust/host-port.js";
import { planTrust, planTrustRemoval, type PlanTrustOptions } from "../../../src/trust/plan.js";
import type { TargetName, TrustPlan } from "../../../src/trust/types.js";
import { REPO } from "../../helpers/cli.js";

const CA = readFileSync(join(REPO, "test/fixtures/trust/ca-a.crt"), "utf8");
const CLIENT_CERT = readFileSync(join(REPO, "test/fixtures/trust/client-a.crt"), "utf8");
const CLIENT_KEY = readFileSync(join(REPO, "test/fixtures/trust/client-a.key"), "utf8");
const TARGETS: TargetName[] = ["docker", "containerd", "containers", "system", "k3s"];

/**
 * N registries as a fleet lists them: DNS names on a few ports, IPv4, IPv6 and 443 (two directories
 * each); every tenth entry repeats an earlier one in another spelling (upper case, trailing dot,
 * the :443 spelled out, a long IPv6 form).
 */
function fleetHosts(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const kind = i % 5;
    const host = kind === 0 ? `reg${i}.example.test:${5000 + (i % 7)}` : kind === 1 ? `192.0.${(i >> 8) & 255}.${i & 255}:5000` : kind === 2 ? `[2001:db8::${i.toString(16)}]:5000` : kind === 3 ? `mirror${i}.example.test` : `Reg${i}.Example.Test:5000`;
    out.push(host);
    if (i % 10 === 9 && out.length < n) {
      const j = i - 5;
      const again = [`REG${j}.EXAMPLE.TEST:${5000 + (j % 7)}`, `192.0.${(j >> 8) & 255}.${j & 255}:5000`, `[2001:0db8:0:0:0:0:0:${j.toString(16)}]:5000`, `mirror${j}.example.test.:443`, `reg${j}.example.test:5000`][j % 5] as string;
      out.push(again);
    }
  }
  return out;
}

type Searched = "some" | "find" | "findIndex" | "includes" | "indexOf" | "lastIndexOf" | "filter";
const SEARCHES: Searched[] = ["some", "find", "findIndex", "includes", "indexOf", "lastIndexOf", "filter"];

type Patched = Record<string, (this: unknown, ...args: unknown[]) => unknown>;

/**
 * Runs fn with every Array search charged the length of its array and every Set/Map lookup or insert
 * charged 1; returns the total charge.
 */
function scanned(fn: () => unknown): number {
  let work = 0;
  const patches: [Patched, string, number | "length"][] = [
    ...SEARCHES.map((name) => [Array.prototype as unknown as Patched, name, "length"] as [Patched, string, "length"]),
    ...["has", "add", "get", "set"].flatMap((name) => [Set.prototype, Map.prototype].filter((p) => name in p).map((p) => [p as unknown as Patched, name, 1] as [Patched, string, number])),
  ];
  const saved = patches.map(([proto, name]) => proto[name] as (this: unknown, ...args: unknown[]) => unknown);
  patches.forEach(([proto, name, cost], i) => {
    const original = saved[i] as (this: unknown, ...args: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...args: unknown[]) {
      work += cost === "length" ? (this as unknown[]).length : cost;
      return original.apply(this, args);
    };
  });
  try {
    fn();
  } finally {
    patches.forEach(([proto, name], i) => {
      proto[name] = saved[i] as (this: unknown, ...args: unknown[]) => unknown;
    });
  }
  return work;
}

describe("the work counter", () => {
  test("charges a linear search per host quadratically (so the linear checks below can fail)", () => {
    const naive = (hosts: string[]) => {
      const out: string[] = [];
      for (const h of hosts) if (!out.some((o) => o === h)) out.push(h);
      return out;
    };
    const hosts = fleetHosts(2000);
    const small = scanned(() => naive(hosts.slice(0, 1000)));
    const large = scanned(() => naive(hosts));
    expect(large / small).toBeGreaterThan(3.5);
  });
});

describe("linear in the number of hosts", () => {
  test("parseRegistryHosts: 2× hosts, about 2× work", () => {
    const hosts = fleetHosts(4000);
    const small = scanned(() => parseRegistryHosts(hosts.slice(0, 2000)));
    const large = scanned(() => parseRegistryHosts(hosts));
    expect(large).toBeGreaterThanOrEqual(4000);
    expect(large / small).toBeLessThan(2.3);
  });

  test.each([
    ["without a client pair", {}],
    ["with a client pair", { clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY }],
  ])("planTrust (docker, containerd, containers, system, k3s) %s: 2× hosts, about 2× work", (_label, client) => {
    const hosts = fleetHosts(4000);
    const plan = (list: string[]) => planTrust({ hosts: list, caPem: CA, targets: TARGETS, root: "/", ...client });
    const small = scanned(() => plan(hosts.slice(0, 2000)));
    const large = scanned(() => plan(hosts));
    expect(large / small).toBeLessThan(2.3);
  }, 120_000);

  test("planTrustRemoval: 2× hosts, about 2× work", () => {
    const hosts = fleetHosts(4000);
    const remove = (list: string[]) => {
      const plan = planTrust({ hosts: list, caPem: CA, targets: ["docker", "containerd"], root: "/" });
      return scanned(() => planTrustRemoval(plan, () => undefined));
    };
    expect(remove(hosts) / remove(hosts.slice(0, 2000))).toBeLessThan(2.3);
  }, 120_000);
});

/** The plan as the fleet made it before: 500-host chunks planned alone, merged (src/fleet/plan.ts at 76d4c39). */
function chunkedPlan(options: PlanTrustOptions, chunk: number): TrustPlan {
  const firstOf = new Map<string, string>();
  for (const input of options.hosts) {
    const hostPort = parseRegistryHost(input).hostPort;
    if (!firstOf.has(hostPort)) firstOf.set(hostPort, input);
  }
  const hosts = [...firstOf.values()];
  const head = planTrust({ ...options, hosts: hosts.slice(0, chunk) });
  const merged: TrustPlan = { ...head, hosts: parseRegistryHosts(hosts), files: [], directories: [], requires: [], refresh: [], printed: [], notes: [], warnings: [] };
  const seen = new Set<string>();
  const once = (k: string) => (seen.has(k) ? false : (seen.add(k), true));
  for (const target of head.targets) {
    const parts: TrustPlan[] = [];
    if (head.files.some((f) => f.target === target && f.ownership === "merge")) parts.push(planTrust({ ...options, hosts, targets: [target] }));
    else for (let i = 0; i < hosts.length; i += chunk) parts.push(planTrust({ ...options, hosts: hosts.slice(i, i + chunk), targets: [target] }));
    const first = parts[0] as TrustPlan;
    merged.notes.push(...first.notes);
    for (const w of first.warnings) if (!merged.warnings.includes(w)) merged.warnings.push(w);
    for (const part of parts) {
      merged.files.push(...part.files);
      for (const d of part.directories) if (once(`d\0${d.base}\0${d.path}`)) merged.directories.push(d);
      for (const r of part.requires) if (once(`q\0${r.target}\0${r.path}`)) merged.requires.push(r);
      for (const r of part.refresh) if (once(`r\0${r.target}\0${r.install.join("\0")}`)) merged.refresh.push(r);
      for (const p of part.printed) if (once(`p\0${p.target}`)) merged.printed.push(p);
    }
  }
  const clientWarning = head.warnings.find((w) => w.startsWith("the client certificate"));
  if (clientWarning) merged.warnings = [...merged.warnings.filter((w) => w !== clientWarning), clientWarning];
  return merged;
}

describe("one call plans what the chunks planned", () => {
  test("3,000 hosts with duplicates in other spellings (Reg.Example vs reg.example, [2001:0db8:0::…] vs [2001:db8::…], host. :443 vs host)", () => {
    const hosts = fleetHosts(3000);
    expect(hosts).toHaveLength(3000);
    // no system target here: its one anchor per CA was planned once per chunk (see the next test)
    const options: PlanTrustOptions = { hosts, caPem: CA, targets: TARGETS.filter((t) => t !== "system"), root: "/", systemFamily: "debian", clientCertPem: CLIENT_CERT, clientKeyPem: CLIENT_KEY };
    const one = planTrust(options);
    // the duplicates were dropped, the first spelling kept
    expect(one.hosts.length).toBeLessThan(3000);
    expect(new Set(one.hosts.map((h) => h.hostPort)).size).toBe(one.hosts.length);
    expect(one.hosts.find((h) => h.hostPort === "reg4.example.test:5000")).toBeDefined();
    expect(one.hosts.find((h) => h.hostPort === "[2001:db8::2]:5000")).toBeDefined();
    expect(one.directories.filter((d) => d.path === "/etc/docker/certs.d/mirror3.example.test:443")).toHaveLength(1);
    expect(new Set(one.directories.map((d) => `${d.base}\0${d.path}`)).size).toBe(one.directories.length);
    expect(one).toEqual(chunkedPlan(options, 500));
  }, 120_000);

  test("the system anchor is planned once for 1,200 hosts (the chunks planned it once per 500 hosts)", () => {
    const options: PlanTrustOptions = { hosts: fleetHosts(1200), caPem: CA, targets: ["docker", "system"], root: "/" };
    const anchors = (plan: TrustPlan) => plan.files.filter((f) => f.target === "system").map((f) => f.path);
    expect(anchors(planTrust(options))).toEqual(["/usr/local/share/ca-certificates/regcert-9ed8514ea42a2e54.crt"]);
    expect(anchors(chunkedPlan(options, 500))).toHaveLength(3);
  }, 120_000);
});

describe("a long hosts file", () => {
  test("a duplicate in another spelling at line 2,999 is refused naming both lines", () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `reg${i}.example.test:5000`);
    lines[2998] = "REG17.Example.Test.:5000";
    lines[2500] = "[::1]:5000";
    let error: unknown;
    try {
      checkHostList(readHostLines(`${lines.join("\n")}\n`, "hosts.txt"));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RegcertError);
    expect((error as RegcertError).message).toBe("hosts.txt line 2999: reg17.example.test:5000 is listed twice (first at hosts.txt line 18)");
    expect((error as RegcertError).exitCode).toBe(2);
    lines[2998] = "[0:0:0:0:0:0:0:1]:5000";
    expect(() => checkHostList(readHostLines(`${lines.join("\n")}\n`, "hosts.txt"))).toThrow("hosts.txt line 2999: [::1]:5000 is listed twice (first at hosts.txt line 2501)");
  });
});
