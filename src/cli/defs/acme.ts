/** Definitions (flags and help) of `acme serve` and `schedule`. Their code loads only when they run. */
import type { Command } from "commander";
import { collect } from "../options.js";
import type { ActionFactory } from "./types.js";

export function defineAcmeCommands(program: Command, action: ActionFactory): void {
  const acme = program.command("acme").description("an RFC 8555 ACME server on the regcert CA (certificates that renew themselves)");
  acme
    .command("serve")
    .description("serve ACME (http-01, tls-alpn-01; DNS and IP identifiers) issuing from the home's CA")
    .requiredOption("--listen <host:port>", "where to serve HTTPS (certificate from the same CA)")
    .option("--allow-dns <name>", "a DNS name it may certify, or *.SUFFIX for any name below SUFFIX (repeatable)", collect, [])
    .option("--allow-ip <cidr>", "an address range it may certify (repeatable)", collect, [])
    .option("--days <n>", "certificate lifetime (capped by the CA's expiry and 825 days)", "7")
    .option("--http-port <n>", "port http-01 validation connects to", "80")
    .option("--tls-port <n>", "port tls-alpn-01 validation connects to", "443")
    .option("--resolve <name:ip>", "validate NAME at IP instead of looking it up (repeatable)", collect, [])
    .option("--passphrase-file <file>", "passphrase of an encrypted CA key (read once at start)")
    .addHelpText(
      "after",
      `
State (accounts, orders, authorizations, certificates) lives in HOME/acme, written atomically; a
restarted server continues, and a second server on the same home is refused.

Examples:
  $ regcert acme serve --listen 127.0.0.1:14000 --allow-dns registry.local --http-port 5002
    prints https://127.0.0.1:14000/acme/directory and the trust recipe for caddy, lego, certbot, cert-manager, registry:3
  $ regcert acme serve --listen [::1]:14000 --allow-dns '*.corp.example' --allow-ip 192.168.0.0/16 --days 3`,
    )
    .action(action(() => import("../commands/acme-serve.js")));
}

export function defineScheduleCommand(program: Command, action: ActionFactory): void {
  program
    .command("schedule")
    .description("renew by itself: a systemd timer (or a cron line) that renews when due, then reloads the server")
    .argument("[name]", "the certificate's --name (see regcert status)")
    .option("--all", "every certificate in the index")
    .option("--within <days>", "renew when it expires within this many days", "30")
    .option("--reload <command>", "shell command run after a renewal, e.g. 'systemctl restart docker-registry'")
    .option("--root <dir>", "write the units under this prefix (default /)")
    .option("--cron", "print the crontab line instead of writing units")
    .option("--uninstall", "remove exactly the files this schedule wrote")
    .option("--check", "exit 0 when due, 1 when not (what the job runs first)")
    .option("--passphrase-file <file>", "passphrase file of an encrypted CA key, for the job's renew")
    .addHelpText(
      "after",
      `
Writes etc/systemd/system/regcert-renew@.service and .timer (daily, RandomizedDelaySec=1h, Persistent)
and regcert-renew@NAME.service.d/regcert.conf (what to run). Enable with systemctl enable --now.

Examples:
  $ sudo regcert schedule registry --reload 'systemctl restart docker-registry'
    regcert-renew@registry.timer renews certs/registry.crt 30 days before expiry, then restarts the registry
  $ regcert schedule --all --within 14 --reload 'docker restart registry' --cron
    prints the crontab line instead`,
    )
    .action(action(() => import("../commands/schedule.js")));
}
