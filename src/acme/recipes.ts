/**
 * What `regcert acme serve` prints for each common ACME client: the directory URL and how that client
 * trusts our CA for the ACME endpoint itself. Pure text from values; every shell line through
 * shellLine, so a CA home with spaces or quotes pastes correctly.
 */
import { shellLine } from "../text/shell.js";

export interface RecipeInput {
  directoryUrl: string;
  /** path of the CA certificate (the home's ca.crt) */
  caFile: string;
  caPem: string;
  /** a name the examples request (the first --allow-dns entry, else "registry.example") */
  exampleName: string;
}

export interface Recipes {
  caddy: string[];
  lego: string[];
  certbot: string[];
  certManager: string[];
  registry: string[];
}

export function trustRecipes(input: RecipeInput): Recipes {
  const { directoryUrl, caFile, exampleName } = input;
  const caBundle = Buffer.from(input.caPem).toString("base64");
  return {
    caddy: ["{", `\tacme_ca ${directoryUrl}`, `\tacme_ca_root ${caFile}`, "}", `${exampleName} {`, "\trespond \"ok\"", "}"],
    lego: [
      shellLine(["env", `LEGO_CA_CERTIFICATES=${caFile}`, "lego", "--server", directoryUrl, "--accept-tos", "--email", "ops@example.com", "--domains", exampleName, "--http", "run"]),
      "(Traefik: set LEGO_CA_CERTIFICATES the same way and certificatesResolvers.<name>.acme.caServer to the directory URL)",
    ],
    certbot: [shellLine(["env", `REQUESTS_CA_BUNDLE=${caFile}`, "certbot", "certonly", "--standalone", "--server", directoryUrl, "--agree-tos", "-m", "ops@example.com", "-d", exampleName])],
    certManager: [
      "apiVersion: cert-manager.io/v1",
      "kind: ClusterIssuer",
      "metadata:",
      "  name: regcert-acme",
      "spec:",
      "  acme:",
      `    server: ${directoryUrl}`,
      `    caBundle: ${caBundle}`,
      "    privateKeySecretRef:",
      "      name: regcert-acme-account",
      "    solvers:",
      "      - http01:",
      "          ingress: {}",
    ],
    registry: [
      "# distribution v3 (registry:3) config.yml: Go's autocert answers tls-alpn-01 on the TLS port",
      "http:",
      "  tls:",
      "    letsencrypt:",
      "      cachefile: /var/lib/registry/letsencrypt.json",
      "      email: ops@example.com",
      `      hosts: [${exampleName}]`,
      `      directoryurl: ${directoryUrl}`,
      "# and the CA in its trust store, e.g.:",
      shellLine(["docker", "run", "-v", `${caFile}:/etc/ssl/certs/regcert-ca.pem:ro`, "-e", "SSL_CERT_FILE=/etc/ssl/certs/regcert-ca.pem", "-v", "./config.yml:/etc/distribution/config.yml:ro", "registry:3"]),
    ],
  };
}
