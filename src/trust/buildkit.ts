/**
 * BuildKit (docker buildx builders with the docker-container driver, CI builders, buildkitd): it does
 * not read the host's certs.d. It needs `buildkitd.toml` with, per registry,
 *   [registry."host:port"]  ca = ["…/ca.crt"]   (+ [[registry."host:port".keypair]] key, cert)
 * (moby/buildkit util/resolver/config RegistryConfig; test/fixtures/upstream/buildkit.json), given to
 * `docker buildx create --config FILE` (buildx copies the file and the files it names into the builder).
 * buildkitd itself reads /etc/buildkit/buildkitd.toml (rootless: ~/.config/buildkit/buildkitd.toml).
 *
 * regcert merges into an existing buildkitd.toml without touching its content: its entries are one
 * marked block per registry appended at the end (a re-run replaces exactly those blocks; uninstall
 * removes them). A file that does not parse, or that already configures that registry itself, is
 * refused untouched (exit 2, with the parser's line).
 */
import { posix } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { userError } from "../pki/errors.js";
import { planCertsDir } from "./certs-dir.js";
import type { RegistryHost } from "./host-port.js";
import type { TargetInput, TargetPlan, TargetSpec, TrustFile, TrustPlan } from "./types.js";

export const BUILDKIT_DIR = "/etc/buildkit";
export const BUILDKIT_TOML = "/etc/buildkit/buildkitd.toml";

/** Where the toml and the CA files go: system (/etc/buildkit) or per user (~/.config/buildkit). */
export function buildkitPaths(input: Pick<TargetInput, "user">): { dir: string; toml: string; certs: string } {
  const dir = input.user ? posix.join(input.user.configHome, "buildkit") : BUILDKIT_DIR;
  return { dir, toml: posix.join(dir, "buildkitd.toml"), certs: posix.join(dir, "certs.d") };
}

const BEGIN = (name: string) => `# BEGIN regcert ${name}`;
const END = (name: string) => `# END regcert ${name}`;
const tomlString = (s: string) => JSON.stringify(s);

/** One registry's block, between markers. */
export function buildkitBlock(name: string, dir: string, withClient: boolean): string {
  const lines = [
    `${BEGIN(name)} (written by regcert install-trust; regcert install-trust --uninstall removes it)`,
    `[registry.${tomlString(name)}]`,
    `  ca = [${tomlString(posix.join(dir, "ca.crt"))}]`,
  ];
  if (withClient) {
    lines.push(`  [[registry.${tomlString(name)}.keypair]]`, `    key = ${tomlString(posix.join(dir, "client.key"))}`, `    cert = ${tomlString(posix.join(dir, "client.cert"))}`);
  }
  lines.push(END(name));
  return `${lines.join("\n")}\n`;
}

function parseOrRefuse(text: string, path: string, what: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.split("\n")[0] ?? "parse error";
      throw userError("regcert.badBuildkitToml", `${path} is not valid TOML (line ${error.line}, column ${error.column}: ${first.replace(/^Invalid TOML document: /, "")})${what}; regcert will not rewrite it`, "fix the file, or move it away and re-run");
    }
    throw error;
  }
}

/** Removes regcert's marked blocks for `names` (all regcert blocks when names is undefined). */
function stripBlocks(text: string, names?: readonly string[]): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let skipping: string | undefined;
  for (const line of lines) {
    const begin = /^# BEGIN regcert (\S+)/.exec(line);
    if (skipping === undefined && begin && (names === undefined || names.includes(begin[1] as string))) {
      skipping = begin[1];
      // the blank line regcert put before its block goes with it
      if (out.length > 0 && out[out.length - 1] === "") out.pop();
      continue;
    }
    if (skipping !== undefined) {
      if (line === END(skipping)) skipping = undefined;
      continue;
    }
    out.push(line);
  }
  return out.join("\n");
}

/**
 * Merges regcert's registry blocks into buildkitd.toml text (undefined: no file yet). Keeps every
 * other byte; refuses (exit 2) a file that does not parse or configures one of these registries itself.
 */
export function mergeBuildkitToml(existing: string | undefined, path: string, entries: ReadonlyArray<{ name: string; dir: string }>, withClient: boolean): string {
  const names = entries.map((e) => e.name);
  const base = existing === undefined ? "" : stripBlocks(existing, names);
  if (existing !== undefined) {
    parseOrRefuse(existing, path, "");
    const doc = parseOrRefuse(base, path, "");
    const registries = (doc.registry ?? {}) as Record<string, unknown>;
    const own = names.filter((n) => Object.hasOwn(registries, n));
    if (own.length > 0) throw userError("regcert.buildkitRegistryExists", `${path} already configures registry "${own[0]}" itself; regcert will not rewrite it`, `add ca = ["${posix.join(entries.find((e) => e.name === own[0])?.dir ?? "", "ca.crt")}"] to that [registry."${own[0]}"] table yourself, or remove the table and re-run`);
  }
  const head = base === "" ? "# buildkitd.toml (BuildKit daemon config; docker buildx create --config FILE)\n" : base.endsWith("\n") ? base : `${base}\n`;
  const merged = `${head}${entries.map((e) => `\n${buildkitBlock(e.name, e.dir, withClient)}`).join("")}`;
  parseOrRefuse(merged, path, " after adding regcert's entries (a top-level registry key that is not a table?)");
  return merged;
}

/** buildkitd.toml without regcert's blocks; null when nothing but regcert's header is left. */
export function unmergeBuildkitToml(existing: string, names: readonly string[]): string | null {
  const stripped = stripBlocks(existing, names).replace(/\n{3,}/g, "\n\n");
  const rest = stripped.split("\n").filter((l) => l.trim() !== "" && l !== "# buildkitd.toml (BuildKit daemon config; docker buildx create --config FILE)");
  if (rest.length === 0) return null;
  return stripped.replace(/\n+$/, "\n");
}

function entriesFor(hosts: readonly RegistryHost[], certs: string): Array<{ name: string; dir: string }> {
  return hosts.flatMap((h) => h.directoryNames.map((name) => ({ name, dir: posix.join(certs, name) })));
}

export function planBuildkitTrust(input: TargetInput): TargetPlan {
  const paths = buildkitPaths(input);
  const plan = planCertsDir(input, { target: "buildkit", certsDir: paths.certs, ownedParents: [paths.dir], ownsCertsDir: true });
  const existing = input.existing[paths.toml];
  plan.files.push({
    target: "buildkit",
    base: input.base,
    path: paths.toml,
    contents: mergeBuildkitToml(existing?.contents, paths.toml, entriesFor(input.hosts, paths.certs), input.client !== undefined),
    mode: existing?.mode ?? 0o644,
    role: "buildkitd-toml",
    ownership: "merge",
    guard: paths.toml,
  });
  plan.printed.push({
    target: "buildkit",
    install: [`docker buildx create --name regcert --driver docker-container --config ${paths.toml} --bootstrap --use`],
    uninstall: ["docker buildx rm regcert"],
  });
  plan.notes.push(
    `buildkit: builders (docker buildx with the docker-container driver, CI) do not read certs.d; a builder takes ${paths.toml} only when it is created (docker buildx create --config; an existing builder must be removed and created again). buildkitd itself reads it at start.`,
  );
  return plan;
}

function unmergeBuildkit(_file: TrustFile, current: string, plan: TrustPlan): string | null {
  return unmergeBuildkitToml(current, plan.hosts.flatMap((h) => h.directoryNames));
}

export const buildkitTarget: TargetSpec = {
  name: "buildkit",
  label: "BuildKit (docker buildx builders, buildkitd)",
  summary: "buildkitd.toml [registry.\"host:port\"] ca (+ keypair), merged; CA files beside it; the docker buildx create --config line printed",
  output: "both",
  plan: planBuildkitTrust,
  markers: [],
  perUser: "yes",
  inAll: false,
  kubernetes: "none",
  reads: [BUILDKIT_TOML],
  userReads: (user) => [buildkitPaths({ user }).toml],
  unmerge: unmergeBuildkit,
};
