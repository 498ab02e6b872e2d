/**
 * The target registry: every list is derived from the specs, every TargetName has exactly one spec,
 * and src/files never imports src/trust (generic plan types live in src/files/plan-types.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../../helpers/cli.js";
import { parseTargets } from "../../../src/trust/plan.js";
import { DETECTABLE, HOME_ONLY_TARGETS, LINUX_TARGETS, TARGET_MARKERS, TARGET_NAMES, TARGET_SPECS, USER_TARGETS, targetsWithKubernetesRole } from "../../../src/trust/targets.js";

describe("target registry", () => {
  test("one spec per name, names unique, each with a label and summary", () => {
    expect(new Set(TARGET_NAMES).size).toBe(TARGET_SPECS.length);
    for (const spec of TARGET_SPECS) {
      expect(spec.label.length).toBeGreaterThan(0);
      expect(spec.summary.length).toBeGreaterThan(0);
      expect(typeof spec.plan).toBe("function");
    }
  });

  test("the seeds' lists are unchanged (order is plan order)", () => {
    expect(LINUX_TARGETS).toEqual(["docker", "containerd", "containers", "system", "k3s", "microk8s"]);
    expect(USER_TARGETS).toEqual(["docker", "containers"]);
    expect(DETECTABLE.slice(0, 5)).toEqual(["docker", "containerd", "containers", "k3s", "microk8s"]);
    expect(targetsWithKubernetesRole("daemonset")).toEqual(["docker", "containerd", "containers"]);
    expect(targetsWithKubernetesRole("node-step")).toEqual(["k3s", "microk8s"]);
    expect(TARGET_MARKERS.docker).toContain("/usr/bin/dockerd");
    for (const t of HOME_ONLY_TARGETS) expect(USER_TARGETS).not.toContain(t);
  });

  test("parseTargets accepts every registered name and refuses others with the allowed list", () => {
    expect(parseTargets([...TARGET_NAMES].reverse())).toEqual([...TARGET_NAMES]);
    expect(() => parseTargets(["dockr"])).toThrow(/not a known target/);
    try {
      parseTargets(["dockr"]);
    } catch (error) {
      expect((error as { hint?: string }).hint).toContain(TARGET_NAMES.join(", "));
    }
  });

  test("install-trust's --target help lists exactly the registered targets, in order (kept static so the CLI starts without loading the planners)", () => {
    const defs = readFileSync(join(REPO, "src", "cli", "defs", "trust.ts"), "utf8");
    expect(defs).toContain(`"${TARGET_NAMES.join(",")} or all`);
  });

  test("src/files imports nothing from src/trust", () => {
    const dir = join(REPO, "src", "files");
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), "utf8");
      expect({ name, imports: /from "\.\.\/trust\//.test(text) }).toEqual({ name, imports: false });
    }
  });
});
