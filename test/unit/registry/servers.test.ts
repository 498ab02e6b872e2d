/**
 * registry-config for the servers that cannot run here (distribution v3, zot, Harbor), judged against
 * facts read from their sources and committed as test data with the upstream commit
 * (test/fixtures/upstream/*.json): every key must exist in the server's key tree, every value we set
 * with an allowed set must be in it, and the compose mount must be the image's CMD config path.
 * distribution-2 is proven end to end with the real docker-registry 2.8 (test/e2e/registry-kit.e2e.test.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO } from "../../helpers/cli.js";
import { readGolden } from "../../helpers/golden.js";
import { RegcertError } from "../../../src/pki/errors.js";
import { renderComposeKit, renderSystemdConfig } from "../../../src/registry/config.js";
import { renderHarborYml, existingHarborSecrets } from "../../../src/registry/harbor.js";
import { CONFIG_MOUNTS, DISTRIBUTION_CLIENT_AUTH, DISTRIBUTION_TLS_VERSIONS, parseListen, parseServerKind, SERVER_IMAGES, listenText } from "../../../src/registry/servers.js";
import { renderZotCompose, renderZotSystemd } from "../../../src/registry/zot.js";

type Tree = { [key: string]: Tree | string | Tree[] | string[] };
const upstream = (name: string) => JSON.parse(readFileSync(join(REPO, "test/fixtures/upstream", name), "utf8")) as Record<string, any>;
const dist = upstream("distribution-v3.json");
const zot = upstream("zot.json");
const harbor = upstream("harbor.json");
const template = (name: string): string => readFileSync(join(REPO, "templates", name), "utf8");
const templates = { config: template("config.yml"), compose: template("docker-compose.yml") };
const SECRET = "regcert-test-secret-0123456789abcdefghijk";

/** Every key path of `value` not in `tree` ("map:" nodes accept any key below; arrays check their items). */
function unknownKeys(value: unknown, tree: Tree | string | unknown[], path: string[], fold: boolean): string[] {
  if (typeof tree === "string") {
    if (tree.startsWith("map:")) return [];
    return value !== null && typeof value === "object" && !Array.isArray(value) ? [`${path.join(".")} (a scalar upstream, an object here)`] : [];
  }
  if (Array.isArray(tree)) {
    if (!Array.isArray(value)) return [`${path.join(".")} (a list upstream)`];
    return value.flatMap((v, i) => unknownKeys(v, tree[0] as Tree, [...path, String(i)], fold));
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return tree && Object.keys(tree).length > 0 && value !== null && typeof value !== "object" ? [`${path.join(".")} (an object upstream)`] : [];
  const out: string[] = [];
  for (const [key, sub] of Object.entries(value as Record<string, unknown>)) {
    const match = Object.keys(tree).find((k) => (fold ? k.toLowerCase() === key.toLowerCase() : k === key));
    if (match === undefined) out.push([...path, key].join("."));
    else out.push(...unknownKeys(sub, tree[match] as Tree, [...path, key], fold));
  }
  return out;
}

const get = (obj: any, path: string): unknown => path.split(".").reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);

function checkDistribution(yml: string): void {
  const config = parse(yml) as Record<string, any>;
  expect(unknownKeys(config, dist.keys, [], false)).toEqual([]);
  expect(config.loglevel).toBeUndefined();
  expect(dist.allowed["log.level"]).toContain(config.log.level);
  expect(dist.allowed["http.tls.minimumtls"]).toContain(config.http.tls.minimumtls);
  if (config.http.tls.clientcas) expect(dist.allowed["http.tls.clientauth"]).toContain(config.http.tls.clientauth);
  expect(dist.allowed.version).toContain(String(config.version));
  expect(dist.allowed["storage.cache.blobdescriptor"]).toContain(config.storage.cache.blobdescriptor);
  if (config.auth) for (const k of dist.required["auth.htpasswd"]) expect(typeof config.auth.htpasswd[k]).toBe("string");
  expect(config.http.secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
}

describe(`distribution v3 (${dist.tag}, ${dist.commit.slice(0, 12)})`, () => {
  const variants: Array<[string, object]> = [
    ["tls", {}],
    ["auth-mtls-listen", { auth: true, mtls: true, listen: parseListen("127.0.0.1:5001") }],
  ];

  test.each(variants)("compose %s: keys and values in v3's sets, mounted at the image's CMD path, golden", (variant, options) => {
    const kit = renderComposeKit(templates, { secret: SECRET, ...options });
    checkDistribution(kit.configYml);
    const compose = parse(kit.composeYml) as { services: { registry: { image: string; volumes: string[] } } };
    expect(compose.services.registry.image).toBe(SERVER_IMAGES.distribution);
    expect(compose.services.registry.image).toMatch(/^registry:3\.\d+$/);
    expect(compose.services.registry.volumes[0]).toBe(`./config.yml:${dist.image.configPath}:ro`);
    expect(CONFIG_MOUNTS.distribution).toBe(dist.image.cmd[0]);
    expect(kit.dockerRun).toContain(`:${dist.image.configPath}:ro`);
    expect(kit.configYml).toBe(readGolden(`registry/v3-compose-${variant}/config.yml`, kit.configYml));
    expect(kit.composeYml).toBe(readGolden(`registry/v3-compose-${variant}/docker-compose.yml`, kit.composeYml));
    expect(`${kit.dockerRun}\n`).toBe(readGolden(`registry/v3-compose-${variant}/docker-run.txt`, `${kit.dockerRun}\n`));
  });

  test("--mtls says clientauth explicitly; --listen publishes on that address only", () => {
    const kit = renderComposeKit(templates, { secret: SECRET, mtls: true, listen: parseListen("[::1]:5443") });
    expect((parse(kit.configYml) as any).http.tls.clientauth).toBe("require-and-verify-client-cert");
    expect((parse(kit.composeYml) as any).services.registry.ports).toEqual(["[::1]:5443:5000"]);
    expect(kit.dockerRun).toContain("-p '[::1]:5443:5000'");
  });

  test("systemd (binary install): config in v3's sets, unit serves the config path and sets OTEL_TRACES_EXPORTER=none, golden", () => {
    const kit = renderSystemdConfig(template("debian-config.yml"), { secret: SECRET, auth: true, mtls: true, listen: parseListen("127.0.0.1:5000") });
    checkDistribution(kit.configYml);
    expect((parse(kit.configYml) as any).http.addr).toBe("127.0.0.1:5000");
    expect(kit.paths.config).toBe(dist.image.configPath);
    expect(kit.unit?.text).toContain(`Environment=OTEL_TRACES_EXPORTER=${dist.image.env.OTEL_TRACES_EXPORTER}`);
    expect(kit.unit?.text).toContain(`ExecStart=/usr/local/bin/registry serve ${dist.image.configPath}`);
    expect(kit.configYml.split("\n")[0]).toContain(kit.paths.config);
    const steps = `${kit.install.map((s) => s.argv.join(" ")).join("\n")}\n${kit.restart.join(" ")}\n`;
    expect(kit.configYml).toBe(readGolden("registry/v3-systemd/config.yml", kit.configYml));
    expect(kit.unit?.text).toBe(readGolden("registry/v3-systemd/registry.service", kit.unit?.text ?? ""));
    expect(steps).toBe(readGolden("registry/v3-systemd/install.txt", steps));
    // --etc-dir moves every path, header included
    const moved = renderSystemdConfig(template("debian-config.yml"), { secret: SECRET, etcDir: "/srv/reg" });
    expect(moved.configYml.split("\n")[0]).toContain("/srv/reg/config.yml");
    expect(moved.configYml).not.toContain("/etc/docker/registry/config.yml");
    expect(moved.unit?.text).toContain("serve /srv/reg/config.yml");
  });

  test("the judge is not vacuous: an unknown key, loglevel, tls1.1, a bad clientauth or the v2 mount path fail", () => {
    const good = renderComposeKit(templates, { secret: SECRET, mtls: true }).configYml;
    expect(() => checkDistribution(good.replace("minimumtls: tls1.2", "minimumtls: tls1.1"))).toThrow();
    expect(() => checkDistribution(good.replace("clientauth: require-and-verify-client-cert", "clientauth: require"))).toThrow();
    expect(() => checkDistribution(`${good}loglevel: info\n`)).toThrow();
    expect(() => checkDistribution(good.replace("  level: info", "  level: verbose"))).toThrow();
    expect(() => checkDistribution(good.replace("    minimumtls:", "    minimumTLS:"))).toThrow();
    expect(CONFIG_MOUNTS["distribution-2"]).not.toBe(dist.image.configPath);
    expect(DISTRIBUTION_TLS_VERSIONS).toEqual(dist.allowed["http.tls.minimumtls"]);
    expect(DISTRIBUTION_CLIENT_AUTH).toEqual(dist.allowed["http.tls.clientauth"]);
  });
});

function checkZot(json: string): Record<string, any> {
  const config = JSON.parse(json) as Record<string, any>;
  expect(unknownKeys(config, zot.keys, [], true)).toEqual([]);
  expect(zot.allowed["log.level"]).toContain(config.log.level);
  for (const a of get(config, "http.auth.mtls.identityAttributes") as string[] | undefined ?? []) expect(zot.allowed["http.auth.mtls.identityAttributes"]).toContain(a);
  expect(typeof config.http.port).toBe("string");
  return config;
}

describe(`zot (${zot.commit.slice(0, 12)})`, () => {
  test("compose: keys in zot's tree (unknown keys stop zot), mounted at the image's CMD path, golden", () => {
    const kit = renderZotCompose({ auth: true, mtls: true });
    const config = checkZot(kit.configJson);
    expect(config.http.tls).toEqual({ cert: "/certs/registry.crt", key: "/certs/registry.key", cacert: "/certs/ca.crt" });
    expect(config.http.auth.htpasswd.path).toBe("/auth/htpasswd");
    expect(config.storage.rootDirectory).toBe(zot.image.defaultRootDirectory);
    const compose = parse(kit.composeYml) as { services: { registry: { image: string; volumes: string[]; ports: string[] } } };
    expect(compose.services.registry.volumes[0]).toBe(`./config.json:${zot.image.configPath}:ro`);
    expect(zot.image.cmd).toEqual(["serve", CONFIG_MOUNTS.zot]);
    expect(compose.services.registry.ports).toEqual([`5000:${zot.image.expose}`]);
    expect(kit.configJson).toBe(readGolden("registry/zot-compose/config.json", kit.configJson));
    expect(kit.composeYml).toBe(readGolden("registry/zot-compose/docker-compose.yml", kit.composeYml));
    expect(`${kit.dockerRun}\n`).toBe(readGolden("registry/zot-compose/docker-run.txt", `${kit.dockerRun}\n`));
  });

  test("systemd: address from --listen, paths under /etc/zot, unit runs `zot serve` on it", () => {
    const kit = renderZotSystemd({ listen: parseListen("127.0.0.1:5000") });
    const config = checkZot(kit.configJson);
    expect(config.http).toMatchObject({ address: "127.0.0.1", port: "5000" });
    expect(config.http.auth).toBeUndefined();
    expect(kit.unit.text).toContain("ExecStart=/usr/local/bin/zot serve /etc/zot/config.json");
  });

  test("the judge is not vacuous: an unknown key or log level fails", () => {
    const good = renderZotCompose({}).configJson;
    expect(() => checkZot(good.replace('"realm"', '"realmName"'))).toThrow();
    expect(() => checkZot(good.replace('"level": "info"', '"level": "verbose"'))).toThrow();
  });
});

describe(`Harbor harbor.yml (${harbor.commit.slice(0, 12)}, template ${harbor.templateVersion})`, () => {
  const options = { hostname: "registry.local", certificate: "/srv/certs/registry.crt", privateKey: "/srv/certs/registry.key", adminPassword: "A".repeat(43), databasePassword: "B".repeat(43) };

  test("keys in the installer template's tree, https filled (no placeholder), allowed log level, golden", () => {
    const yml = renderHarborYml(options);
    const config = parse(yml) as Record<string, any>;
    expect(unknownKeys(config, harbor.keys, [], false)).toEqual([]);
    for (const k of harbor.required.top) expect(config[k]).toBeDefined();
    for (const k of harbor.required.https) expect(typeof config.https[k]).toBe("string");
    for (const [path, placeholder] of Object.entries(harbor.placeholders)) expect(get(config, path)).not.toBe(placeholder);
    expect(harbor.allowed["log.level"]).toContain(config.log.level);
    expect(config._version).toBe(harbor.templateVersion);
    expect(config.https).toEqual({ port: 443, certificate: "/srv/certs/registry.crt", private_key: "/srv/certs/registry.key" });
    expect(yml).toBe(readGolden("registry/harbor/harbor.yml", yml));
    expect(existingHarborSecrets(yml)).toEqual({ adminPassword: options.adminPassword, databasePassword: options.databasePassword });
  });

  test("the judge is not vacuous; relative paths are refused", () => {
    const config = parse(renderHarborYml(options)) as Record<string, any>;
    expect(unknownKeys({ ...config, tls: {} }, harbor.keys, [], false)).toEqual(["tls"]);
    expect(() => renderHarborYml({ ...options, certificate: "certs/registry.crt" })).toThrow(RegcertError);
  });
});

describe("--server and --listen parsing", () => {
  test("unknown --server: exit 2 listing the allowed ones", () => {
    expect(parseServerKind(undefined)).toBe("distribution");
    expect(parseServerKind("ZOT")).toBe("zot");
    try {
      parseServerKind("registry3");
      throw new Error("accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(RegcertError);
      expect((error as RegcertError).exitCode).toBe(2);
      expect((error as RegcertError).hint).toContain("distribution, distribution-2, zot, harbor");
    }
  });

  test.each([
    [":5000", { host: undefined, port: 5000 }, ":5000"],
    ["127.0.0.1:5001", { host: "127.0.0.1", port: 5001 }, "127.0.0.1:5001"],
    ["[::1]:5000", { host: "::1", port: 5000 }, "[::1]:5000"],
    ["localhost", { host: "localhost", port: undefined }, "localhost:5000"],
  ])("%s", (text, parsed, rendered) => {
    const l = parseListen(text);
    expect(l).toEqual(parsed);
    expect(listenText(l.host, l.port ?? 5000)).toBe(rendered);
  });

  test.each(["", "::1:5000", "[::1", "127.0.0.1:0", "127.0.0.1:99999", "[host]:5000", "*.x:5000"])("refuses %j", (text) => {
    expect(() => parseListen(text)).toThrow(RegcertError);
  });

  test("--listen and --port must agree", () => {
    expect(() => renderComposeKit(templates, { secret: SECRET, port: 5000, listen: parseListen("127.0.0.1:5001") })).toThrow(/disagree/);
  });
});
