/**
 * Registry config rendering: golden files for every variant (UPDATE_GOLDEN=1 to accept a change),
 * values that cannot break the YAML, and the Debian service's paths, owners and modes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO } from "../../helpers/cli.js";
import { readGolden } from "../../helpers/golden.js";
import { RegcertError } from "../../../src/pki/errors.js";
import { renderComposeKit, renderSystemdConfig, shellQuote, stepLine } from "../../../src/registry/config.js";

const template = (name: string): string => readFileSync(join(REPO, "templates", name), "utf8");
const templates = { config: template("config.yml"), compose: template("docker-compose.yml") };
const debian = template("debian-config.yml");
/** distribution-2 (registry:2, Debian's docker-registry 2.8) with a fixed http.secret, so the goldens are stable */
const SECRET = "regcert-test-secret-0123456789abcdefghijk";
const V2 = { server: "distribution-2" as const, secret: SECRET };

type Config = {
  version: number;
  http: { addr: string; tls: { certificate: string; key: string; clientcas?: string[] } };
  auth?: { htpasswd: { realm: string; path: string } };
  storage: { delete: { enabled: boolean }; filesystem: { rootdirectory: string } };
  health: { storagedriver: { enabled: boolean } };
};

describe("compose kit", () => {
  test.each([
    ["tls", {}],
    ["auth", { auth: true }],
    ["mtls", { mtls: true }],
    ["auth-mtls-443-data", { auth: true, mtls: true, port: 443, dataDir: "/srv/registry" }],
  ])("%s matches its golden files", (variant, options) => {
    const kit = renderComposeKit(templates, { ...V2, ...options });
    expect(kit.configYml).toBe(readGolden(`registry/compose-${variant}/config.yml`, kit.configYml));
    expect(kit.composeYml).toBe(readGolden(`registry/compose-${variant}/docker-compose.yml`, kit.composeYml));
    expect(`${kit.dockerRun}\n`).toBe(readGolden(`registry/compose-${variant}/docker-run.txt`, `${kit.dockerRun}\n`));
  });

  test("the config says what the registry needs: TLS files, delete enabled, a health check, auth and clientcas only when asked", () => {
    const plain = parse(renderComposeKit(templates, V2).configYml) as Config;
    expect(plain.http).toMatchObject({ addr: ":5000", tls: { certificate: "/certs/registry.crt", key: "/certs/registry.key" } });
    expect(plain.http.tls.clientcas).toBeUndefined();
    expect(plain.auth).toBeUndefined();
    expect(plain.storage.delete.enabled).toBe(true);
    expect(plain.health.storagedriver.enabled).toBe(true);
    const full = parse(renderComposeKit(templates, { ...V2, auth: true, mtls: true, name: "reg2", htpasswdFile: "users" }).configYml) as Config;
    expect(full.http.tls).toEqual({ certificate: "/certs/reg2.crt", key: "/certs/reg2.key", clientcas: ["/certs/ca.crt"] });
    expect(full.auth).toEqual({ htpasswd: { realm: "Registry Realm", path: "/auth/users" } });
  });

  test("compose publishes the client port on the container's 5000, quoted, and mounts what the config names", () => {
    const kit = renderComposeKit(templates, { ...V2, port: 443, auth: true, certsDir: "../my certs", authDir: "auth" });
    expect(kit.composeYml).toContain(`- "443:5000"`);
    const compose = parse(kit.composeYml) as { services: { registry: { volumes: string[]; restart: string; ports: string[] } } };
    expect(compose.services.registry.restart).toBe("unless-stopped");
    expect(compose.services.registry.volumes).toEqual(["./config.yml:/etc/docker/registry/config.yml:ro", "../my certs:/certs:ro", "./auth:/auth:ro", "registry-data:/var/lib/registry"]);
    expect(kit.dockerRun).toBe(`docker run -d --name registry --restart unless-stopped -p 443:5000 -v "$PWD"/config.yml:/etc/docker/registry/config.yml:ro -v "$PWD"'/../my certs:/certs:ro' -v "$PWD"/auth:/auth:ro -v registry-data:/var/lib/registry registry:2`);
  });

  test("hostile values stay values: the parsed YAML holds exactly what was given", () => {
    const evil = "x\n  evil: true # ]: {";
    const kit = renderSystemdConfig(debian, { ...V2, auth: true, etcDir: `/tmp/${evil}`, dataDir: "/tmp/a: b" });
    const parsed = parse(kit.configYml) as Config & Record<string, unknown>;
    expect(parsed.auth?.htpasswd.path).toBe(`/tmp/${evil}/htpasswd`);
    expect(parsed.storage.filesystem.rootdirectory).toBe("/tmp/a: b");
    expect(parsed.evil).toBeUndefined();
    expect(() => renderComposeKit(templates, { ...V2, auth: true, realm: 'a"b' })).toThrow(RegcertError);
    expect(() => renderComposeKit(templates, { ...V2, port: 70000 })).toThrow(RegcertError);
  });
});

describe("Debian service (--systemd)", () => {
  test.each([
    ["systemd-tls", {}],
    ["systemd-auth-mtls", { auth: true, mtls: true, port: 443 }],
  ])("%s matches its golden file", (variant, options) => {
    const kit = renderSystemdConfig(debian, { ...V2, ...options });
    expect(kit.configYml).toBe(readGolden(`registry/${variant}/config.yml`, kit.configYml));
    const steps = `${kit.install.map(stepLine).join("\n")}\n${kit.restart.join(" ")}\n`;
    expect(steps).toBe(readGolden(`registry/${variant}/install.txt`, steps));
  });

  test("htpasswd is a FILE (the packaged directory path breaks every login), the key is root:docker-registry 0640", () => {
    const kit = renderSystemdConfig(debian, { ...V2, auth: true });
    const parsed = parse(kit.configYml) as Config;
    expect(parsed.auth?.htpasswd.path).toBe("/etc/docker/registry/htpasswd");
    expect(parsed.storage.filesystem.rootdirectory).toBe("/var/lib/docker-registry");
    const keyStep = kit.install.find((s) => s.argv.at(-1) === "/etc/docker/registry/certs/registry.key");
    expect(keyStep?.argv).toEqual(["install", "-m", "0640", "-o", "root", "-g", "docker-registry", "certs/registry.key", "/etc/docker/registry/certs/registry.key"]);
    expect(kit.restart).toEqual(["systemctl", "restart", "docker-registry"]);
  });

  test("refuses relative service paths", () => {
    expect(() => renderSystemdConfig(debian, { ...V2, etcDir: "etc" })).toThrow(RegcertError);
    expect(() => renderSystemdConfig(debian, { ...V2, dataDir: "data" })).toThrow(RegcertError);
  });
});

test("shellQuote", () => {
  expect(shellQuote("/a/b:c")).toBe("/a/b:c");
  expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
});
