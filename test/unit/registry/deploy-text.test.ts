/**
 * distribution (config.ts) and zot (zot.ts) build their compose mounts, `docker run` line, systemd
 * unit and install steps with one set of helpers (src/registry/deploy-text.ts): for the same options
 * the two kits differ only where the servers differ (config file, image, inner port, unit header and
 * environment, service user), so a fix to one reaches the other.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderComposeKit, renderSystemdConfig } from "../../../src/registry/config.js";
import { renderZotCompose, renderZotSystemd } from "../../../src/registry/zot.js";

const template = (name: string): string => readFileSync(join(process.cwd(), "templates", name), "utf8");
const options = { auth: true, mtls: true, port: 5443, certsDir: "my certs", dataDir: "/srv/registry", listen: { host: "::1", port: undefined } };

test("the docker run lines differ only in the config mount, the inner port and the image", () => {
  const v3 = renderComposeKit({ config: template("config.yml"), compose: template("docker-compose.yml") }, { ...options, image: "IMAGE" }).dockerRun;
  const zot = renderZotCompose({ ...options, image: "IMAGE" }).dockerRun;
  const normalise = (line: string) => line.replace(/\/config\.(yml|json):\S+:ro/, "CONFIG").replace(/:\d+:\d+ /, ":PORT ");
  expect(normalise(zot)).toBe(normalise(v3));
  expect(v3).toContain(`-v "$PWD"'/my certs:/certs:ro'`);
  expect(v3).toContain("-p '[::1]:5443:5000'");
});

test("the key-pair install steps are the same but for the service's group", () => {
  const keySteps = (steps: { argv: string[] }[]) => steps.filter((s) => s.argv.some((a) => /certs/.test(a))).map((s) => s.argv.join(" "));
  const v3 = keySteps(renderSystemdConfig(template("debian-config.yml"), { ...options, dataDir: undefined, etcDir: "/etc/zot" }).install);
  const zot = keySteps(renderZotSystemd({ ...options, dataDir: undefined }).install);
  expect(zot).toEqual(v3.map((line) => line.replace(/-g registry /g, "-g zot ")));
  expect(zot).toHaveLength(4);
});

test("both units have the same [Unit]/[Service]/[Install] skeleton", () => {
  const skeleton = (text: string) => text.split("\n").filter((l) => /^\[|^(After|Wants|Restart|NoNewPrivileges|WantedBy)=/.test(l));
  const v3 = renderSystemdConfig(template("debian-config.yml"), {}).unit?.text ?? "";
  expect(skeleton(renderZotSystemd({}).unit.text)).toEqual(skeleton(v3));
  expect(skeleton(v3)).toHaveLength(8);
});
