/** The next steps a registry operator needs after a certificate: run the registry with it, trust the CA on clients, test. */
import { basename, dirname, join, resolve } from "node:path";
import { DEFAULT_REGISTRY_IMAGE } from "../registry/image.js";
import type { NameSet } from "../pki/names.js";
import { shellLine, shellLines, shellQuote } from "../text/shell.js";

export interface NextStepsInput {
  outDir: string;
  name: string;
  names: NameSet;
  port: number;
  /**
   * The private key the registry serves with. `issue` wrote it (outDir/NAME.key); `sign` never saw it:
   * the key is wherever the CSR was made, so sign passes the key found beside the CSR, or nothing.
   */
  keyFile?: string | undefined;
}

const hostPort = (host: string, port: number) => {
  const h = host.includes(":") ? `[${host}]` : host;
  return port === 443 ? h : `${h}:${port}`;
};

const INDENT = "     ";

export function nextSteps(input: NextStepsInput): string[] {
  const dir = resolve(input.outDir);
  const caFile = join(dir, "ca.crt");
  const hosts = [...input.names.dns.filter((d) => !d.startsWith("*.")), ...input.names.ip];
  const first = hostPort(hosts[0] ?? "registry.local", input.port);
  const hostFlags = hosts.flatMap((h) => ["--host", hostPort(h, input.port)]);
  const keyFile = input.keyFile === undefined ? undefined : resolve(input.keyFile);
  const keyMount: string[][] =
    keyFile === undefined
      ? []
      : dirname(keyFile) === dir
        ? [["-e", `REGISTRY_HTTP_TLS_KEY=/certs/${basename(keyFile)}`]]
        : [["-v", `${dirname(keyFile)}:/keys:ro`], ["-e", `REGISTRY_HTTP_TLS_KEY=/keys/${basename(keyFile)}`]];
  const dockerRun = shellLines([
    ["docker", "run", "-d", "--restart", "unless-stopped", "--name", "registry", "-p", `${input.port}:5000`],
    ["-v", `${dir}:/certs:ro`],
    ["-e", `REGISTRY_HTTP_TLS_CERTIFICATE=/certs/${input.name}.crt`],
    ...keyMount,
    [DEFAULT_REGISTRY_IMAGE],
  ]);
  const lines = [
    "Next steps:",
    keyFile === undefined
      ? "  1. Run the registry with this certificate and the private key the CSR was made with (regcert never saw it;"
      : "  1. Run the registry with this certificate:",
    ...(keyFile === undefined ? ["     add -v KEYDIR:/keys:ro -e REGISTRY_HTTP_TLS_KEY=/keys/KEYFILE before the image name):"] : []),
    ...dockerRun.map((l, i) => (i === 0 ? INDENT : `${INDENT}  `) + l),
    "  2. On every client (Docker, containerd, podman/skopeo), trust the CA — never copy the .key:",
    INDENT + shellLine(["sudo", "regcert", "install-trust", "--ca", caFile, ...hostFlags]),
    `${INDENT}from here over ssh (CLIENT: the client's address): ${shellLine(["ssh", "CLIENT", "sudo", "-n", "regcert", "install-trust", "--ca", "-", ...hostFlags])} < ${shellQuote(caFile)}`,
    `${INDENT}(by hand: /etc/docker/certs.d/${first}/ca.crt, one directory per name clients use)`,
    "  3. Test it:",
    INDENT + shellLine(["curl", "--cacert", caFile, `https://${first}/v2/`]),
    INDENT + [["docker", "pull", "alpine"], ["docker", "tag", "alpine", `${first}/alpine`], ["docker", "push", `${first}/alpine`]].map(shellLine).join(" && "),
    `${INDENT}with htpasswd auth: ${shellLine(["docker", "login", first])}`,
    `${INDENT}or: ${shellLine(["regcert", "check", first, "--ca", caFile])}`,
  ];
  return lines;
}
