/** Definitions (flags and help) of inspect and verify. Their code loads only when they run. */
import type { Command } from "commander";
import { collect } from "../options.js";
import type { ActionFactory } from "./types.js";

export function defineInspectVerifyCommands(program: Command, action: ActionFactory): void {
  program
    .command("inspect")
    .description("show what a certificate, chain, CSR or key file holds (never prints key material)")
    .argument("<file>", "PEM or DER file; - for standard input")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert inspect certs/registry.crt
    subject, issuer, validity and days left, SANs, key, usages, fingerprints
  $ regcert inspect certs/registry.key --json
    key type, size and public-key fingerprint (matches the certificate's), encrypted or not`,
    )
    .action(action(() => import("../commands/inspect.js")));

  program
    .command("verify")
    .description("check a certificate chain offline with Go's rules (what Docker, containerd, podman use); lists every problem with its fix")
    .requiredOption("--cert <file>", "the server certificate, optionally followed by intermediates (PEM or DER; - for stdin)")
    .option("--ca <file>", "trusted CA certificate(s) (repeatable; a file may hold several; default: the CA in the home)", collect, [])
    .option("--host <name>", "a DNS name or IP clients connect to (repeatable); matched by SAN only, never the CN", collect, [])
    .option("--at <time>", "validation time, ISO-8601 (e.g. 2027-01-01T00:00:00Z; fractional seconds are truncated; default now)")
    .option("--strict", "also fail on RFC 5280 / CA/B Forum profile violations that Go tolerates (otherwise warnings)")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert verify --cert certs/registry.crt --host registry.local --host 192.168.0.12
    exit 0 when Docker/containerd/podman would accept it for both names, 1 with every reason and fix
  $ regcert verify --cert chain.pem --ca ca.crt --at 2027-06-01T00:00:00Z --json
    will it still be valid then? (schema regcert.verify/v1)`,
    )
    .action(action(() => import("../commands/verify.js")));
}
