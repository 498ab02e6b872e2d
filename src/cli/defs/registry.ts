/** Definitions (flags and help) of the registry operator's kit: htpasswd, registry-config, check, api. */
import type { Command } from "commander";
import { clientPairOptions } from "./shared.js";
import type { ActionFactory } from "./types.js";

export function defineRegistryCommands(program: Command, action: ActionFactory): void {
  program
    .command("htpasswd")
    .description("add, replace or delete a registry user (bcrypt, the only hash the registry accepts)")
    .argument("<user>", "user name (no ':' and no line breaks)")
    .option("--file <file>", "the htpasswd file (created if missing)", "auth/htpasswd")
    .option("--password-stdin", "read the password from standard input (one line)")
    .option("--delete", "remove the user")
    .option("--cost <n>", "bcrypt cost, 4 to 17", "10")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert htpasswd alice
    asks for the password twice and writes auth/htpasswd (other users are kept)
  $ echo "$PASSWORD" | regcert htpasswd ci --password-stdin --file /etc/docker/registry/htpasswd
    non-interactive; replaces ci's password if it exists
  $ regcert htpasswd alice --delete`,
    )
    .action(action(() => import("../commands/htpasswd.js")));

  program
    .command("registry-config")
    .description("the registry server's config in its own format, and the compose file or systemd unit that runs it (default: distribution v3, registry:3)")
    .option("--server <kind>", "distribution (v3, registry:3) | distribution-2 (registry:2, Debian's docker-registry) | zot | harbor (harbor.yml for its installer)", "distribution")
    .option("--out <dir>", "where to write the config (and docker-compose.yml or the unit)", ".")
    .option("--name <name>", "certificate file stem, as given to issue --name", "registry")
    .option("--port <port>", "the port clients use: the published port (compose), the listen port (--systemd), https.port (harbor); default 5000, harbor 443")
    .option("--listen <addr>", "bind address, e.g. 127.0.0.1:5000 or [::1]:5000 (compose: where the port is published; --systemd: http.addr); default every interface")
    .option("--hostname <name>", "--server harbor: the name clients use (harbor.yml hostname; must be in the certificate)")
    .option("--auth", "htpasswd basic auth (users: regcert htpasswd USER)")
    .option("--mtls", "require client certificates signed by the CA (regcert issue --client); v3: clientauth require-and-verify-client-cert")
    .option("--data <dir>", "image storage directory (default: a named volume; --systemd: the service's /var/lib directory)")
    .option("--systemd", "a service instead of Docker: distribution-2 = Debian's docker-registry; distribution, zot = binary install + unit")
    .option("--etc-dir <dir>", "with --systemd: the config directory (default /etc/distribution, /etc/docker/registry or /etc/zot)")
    .option("--certs <dir>", "where regcert issue wrote the certificate, key and ca.crt", "certs")
    .option("--htpasswd <file>", "the htpasswd file", "auth/htpasswd")
    .option("--force", "replace existing config files (a distribution http.secret and Harbor's passwords are kept)")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert registry-config --auth --listen 127.0.0.1:5000
    config.yml + docker-compose.yml for registry:3 (mounted at /etc/distribution/config.yml), ./certs and
    ./auth/htpasswd, published on 127.0.0.1 only; a random http.secret, kept on re-runs
  $ regcert registry-config --server distribution-2 --systemd --auth --port 443
    Debian's docker-registry 2.8: its config and the install commands (key root:docker-registry 0640)
  $ regcert registry-config --server zot --mtls
    config.json for zot (/etc/zot/config.json) requiring client certificates
  $ regcert registry-config --server harbor --hostname registry.local
    harbor.yml (0600) with the regcert certificate for Harbor's install.sh`,
    )
    .action(action(() => import("../commands/registry-config.js")));

  program
    .command("check")
    .description("live TLS + GET /v2/ against a running registry, and this machine's trust: each problem with its fix")
    .argument("<host:port>", "the registry as clients type it (443 when no port)")
    .option("--ca <file>", "CA certificate(s) to trust, - for stdin (default: the CA in the home)")
    .option("--timeout <seconds>", "per step: connect, handshake, answer", "10")
    .addOption(clientPairOptions()[0])
    .addOption(clientPairOptions()[1])
    .option("--root <dir>", "where this machine's /etc is (for checking a mounted image)", "/")
    .option("--no-local", "skip this machine's certs.d, daemon.json, registries.conf and containerd checks")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert check registry.local:5000
    exit 0 when a Docker client would succeed; otherwise each problem with its fix
  $ regcert check 192.168.0.12:5000 --ca certs/ca.crt --json`,
    )
    .action(action(() => import("../commands/check.js")));

  program
    .command("api")
    .description("the registry API, trusting the CA: catalog, tags, digest, delete")
    .argument("<host:port>", "the registry as clients type it")
    .argument("<action>", "catalog | tags | digest | delete")
    .argument("[ref]", "tags: REPO; digest: REPO:TAG; delete: REPO:TAG or REPO@DIGEST")
    .option("--ca <file>", "CA certificate(s) to trust, - for stdin (default: the CA in the home)")
    .option("--user <name>", "registry user (htpasswd auth)")
    .option("--password-stdin", "read the password from standard input")
    .option("--force", "delete: also remove the other tags that point at the same manifest")
    .addOption(clientPairOptions()[0])
    .addOption(clientPairOptions()[1])
    .option("--timeout <seconds>", "total deadline per request, connect to last byte", "15")
    .option("--page-size <n>", "entries per page when listing (pages are all followed)", "100")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert api registry.local:5000 catalog
  $ regcert api registry.local:5000 tags team/app
  $ regcert api registry.local:5000 digest team/app:v1
    sha256:… (the digest delete needs: OCI and Docker manifest types are accepted)
  $ regcert api registry.local:5000 delete team/app:v1 --user alice --password-stdin < pw.txt
    refuses when other tags share the manifest (--force), then prints the garbage-collect command`,
    )
    .action(action(() => import("../commands/api.js")));
}
