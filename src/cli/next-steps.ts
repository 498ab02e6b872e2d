/** The next steps a registry operator needs after a certificate: run the registry with it, trust the CA on clients, test. */
import { resolve } from "node:path";
import { DEFAULT_REGISTRY_IMAGE } from "../registry/image.js";
import type { NameSet } from "../pki/names.js";

export interface NextStepsInput {
  outDir: string;
  name: string;
  names: NameSet;
  port: number;
}

const hostPort = (host: string, port: number) => {
  const h = host.includes(":") ? `[${host}]` : host;
  return port === 443 ? h : `${h}:${port}`;
};

export function nextSteps(input: NextStepsInput): string[] {
  const dir = resolve(input.outDir);
  const hosts = [...input.names.dns.filter((d) => !d.startsWith("*.")), ...input.names.ip];
  const first = hostPort(hosts[0] ?? "registry.local", input.port);
  const lines = [
    "Next steps:",
    "  1. Run the registry with this certificate:",
    `     docker run -d --restart unless-stopped --name registry -p ${input.port}:5000 \\`,
    `       -v "${dir}":/certs:ro \\`,
    `       -e REGISTRY_HTTP_TLS_CERTIFICATE=/certs/${input.name}.crt \\`,
    `       -e REGISTRY_HTTP_TLS_KEY=/certs/${input.name}.key \\`,
    `       ${DEFAULT_REGISTRY_IMAGE}`,
    "  2. On every client (Docker, containerd, podman/skopeo), trust the CA — never copy the .key:",
    `     sudo regcert install-trust --ca ${dir}/ca.crt ${hosts.map((h) => `--host ${hostPort(h, input.port)}`).join(" ")}`,
    `     from here over ssh: ssh CLIENT sudo -n regcert install-trust --ca - ${hosts.map((h) => `--host ${hostPort(h, input.port)}`).join(" ")} < ${dir}/ca.crt`,
    `     (by hand: /etc/docker/certs.d/${first}/ca.crt, one directory per name clients use)`,
    "  3. Test it:",
    `     curl --cacert ${dir}/ca.crt https://${first}/v2/`,
    `     docker pull alpine && docker tag alpine ${first}/alpine && docker push ${first}/alpine`,
    `     with htpasswd auth: docker login ${first}`,
    `     or: regcert check ${first} --ca ${dir}/ca.crt`,
  ];
  return lines;
}
