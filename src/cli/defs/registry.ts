/** Definitions (flags and help) of the registry operator's kit: htpasswd, registry-config, check, api. */
import type { Command } from "commander";
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
    .description("config.yml and docker-compose.yml for the registry (or, with --systemd, Debian's docker-registry service)")
    .option("--out <dir>", "where to write config.yml (and docker-compose.yml)", ".")
    .option("--name <name>", "certificate file stem, as given to issue --name", "registry")
    .option("--port <port>", "the port clients use (published port; --systemd: listen port)", "5000")
    .option("--auth", "htpasswd basic auth (users: regcert htpasswd USER)")
    .option("--mtls", "require client certificates signed by the CA (regcert issue --client)")
    .option("--data <dir>", "image storage directory (default: a named volume; --systemd: /var/lib/docker-registry)")
    .option("--systemd", "Debian's docker-registry package instead of Docker: its config, file owners and restart")
    .option("--etc-dir <dir>", "with --systemd: the package's config directory (default /etc/docker/registry)")
    .option("--certs <dir>", "where regcert issue wrote the certificate, key and ca.crt", "certs")
    .option("--htpasswd <file>", "the htpasswd file", "auth/htpasswd")
    .option("--force", "replace existing config files")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert registry-config --auth
    config.yml + docker-compose.yml using ./certs and ./auth/htpasswd; prints the docker run line
  $ regcert registry-config --systemd --auth --port 443
    a config for /etc/docker/registry/config.yml and the install commands (key root:docker-registry 0640)`,
    )
    .action(action(() => import("../commands/registry-config.js")));

  program
    .command("check")
    .description("live TLS + GET /v2/ against a running registry, and this machine's trust: each problem with its fix")
    .argument("<host:port>", "the registry as clients type it (443 when no port)")
    .option("--ca <file>", "CA certificate(s) to trust, - for stdin (default: the CA in the home)")
    .option("--timeout <seconds>", "per step: connect, handshake, answer", "10")
    .option("--client-cert <file>", "client certificate, for registries that require mTLS")
    .option("--client-key <file>", "the client certificate's key")
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
    .option("--client-cert <file>", "client certificate, for registries that require mTLS")
    .option("--client-key <file>", "the client certificate's key")
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
