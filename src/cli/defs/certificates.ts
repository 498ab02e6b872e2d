/** Definitions (flags and help) of init-ca, issue and sign. Their code loads only when they run. */
import { Option, type Command } from "commander";
import { collect } from "../options.js";
import { keyOption } from "./shared.js";
import type { ActionFactory } from "./types.js";

export function defineCertificateCommands(program: Command, action: ActionFactory): void {
  program
    .command("init-ca")
    .description("create the root CA (ca.key 0600, ca.crt) in the CA home")
    .option("--cn <name>", "CA common name (default: regcert CA <user>@<host> <date>)")
    .option("--org <name>", "organization, copied into every certificate", "regcert")
    .option("--days <n>", "validity in days", "3650")
    .addOption(keyOption())
    .option("--max-path-len <n>", "0: signs leaves only; 1: allows one intermediate", "0")
    .option("--permit-dns <domain>", "name-constrain the CA to this domain (repeatable)", collect, [])
    .option("--permit-ip <cidr>", "name-constrain IP SANs to this range (repeatable; needs --permit-dns)", collect, [])
    .option("--encrypt", "encrypt ca.key with a passphrase (asked twice on a terminal)")
    .option("--passphrase-file <file>", "ca.key passphrase from this file's first line (implies --encrypt; also unlocks an encrypted --import-key)")
    .addOption(
      new Option("--import-cert <file>", "adopt an existing CA certificate (PEM or DER) instead of creating one").conflicts(["cn", "org", "days", "key", "maxPathLen", "permitDns", "permitIp"]),
    )
    .option("--import-key <file>", "the adopted CA's private key (PEM; an encrypted key needs its passphrase)")
    .option("--pkcs11 <uri>", "keep the CA key in a PKCS#11 token (RFC 7512 pkcs11:token=…;object=…): generated there, or adopted with --import-cert")
    .option("--pkcs11-module <path>", "the token's PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so")
    .option("--pin-file <file>", "the token PIN from this file's first line (default: pin-source in the URI, else asked)")
    .option("--force", "replace an existing CA (every client must then trust the new ca.crt)")
    .addHelpText(
      "after",
      `
ca.key is encrypted with PBES2: PBKDF2-HMAC-SHA256, 600,000 iterations, AES-256-CBC (openssl pkey
-passin reads it). An imported CA is checked (key matches, CA:TRUE, keyCertSign, not expired); one
without keyUsage is accepted with a warning; with a passphrase its key is re-encrypted as above.

Examples:
  $ regcert init-ca
    creates ~/.local/share/regcert/ca.crt and ca.key
  $ regcert init-ca --permit-dns registry.local --permit-ip 192.168.0.0/16
    a CA that can only ever sign for registry.local and that network
  $ regcert init-ca --encrypt
    asks for a passphrase twice; issue and sign then ask for it (or take --passphrase-file)
  $ regcert init-ca --import-cert rootCA.crt --import-key rootCA.key
    adopts the CA made with openssl req -x509 … -keyout rootCA.key (clients already trust it)
  $ regcert init-ca --pkcs11 'pkcs11:token=regcert;object=regcert-ca' --pkcs11-module /usr/lib/softhsm/libsofthsm2.so
    the CA key is generated in the token and never leaves it (needs the optional pkcs11js binding)`,
    )
    .action(action(() => import("../commands/init-ca.js")));

  program
    .command("issue")
    .description("make a registry key, CSR and CA-signed certificate (creates the CA on first use)")
    .argument("[hosts...]", "DNS names and IP addresses clients use to reach the registry")
    .option("--dns <name>", "DNS name for the certificate (repeatable)", collect, [])
    .option("--ip <address>", "IP address for the certificate (repeatable)", collect, [])
    .option("--detect-ips", "add this machine's non-loopback addresses (like hostname -I)")
    .option("--name <name>", "file name stem: NAME.key, NAME.crt, …", "registry")
    .option("--out <dir>", "output directory", "certs")
    .option("--days <n>", "validity in days (above 825 needs --force; a leaf that would outlive the CA is shortened to its expiry, with a warning)", "397")
    .addOption(keyOption())
    .option("--client", "client certificate (clientAuth) for registries that require mTLS")
    .option("--cn <name>", "subject common name (default: the first DNS name)")
    .option("--port <port>", "registry port, for the printed next steps", "5000")
    .option("--passphrase-file <file>", "passphrase of an encrypted CA key")
    .option("--pin-file <file>", "PIN of the token holding the CA key (init-ca --pkcs11)")
    .option("--force", "replace existing files; allow more than 825 days")
    .addHelpText(
      "after",
      `
Examples:
  $ regcert issue --dns registry.local --ip 192.168.0.12
    writes certs/registry.{key,csr,crt,pem} and certs/ca.crt
  $ regcert issue registry.local 192.168.0.12 --key rsa-2048
    positional hosts are sorted into DNS and IP names
  $ regcert issue --client --cn ci-runner --name ci
    a client certificate for a registry with http.tls.clientcas`,
    )
    .action(action(() => import("../commands/issue.js")));

  program
    .command("sign")
    .description("sign an existing CSR with the CA (our server or client profile; never CA:TRUE)")
    .requiredOption("--csr <file>", "the certificate request (PEM or DER; - for stdin)")
    .option("--dns <name>", "replace the CSR's names: DNS name (repeatable)", collect, [])
    .option("--ip <address>", "replace the CSR's names: IP address (repeatable)", collect, [])
    .option("--client", "client profile (clientAuth) instead of server")
    .option("--name <name>", "file name stem (default: the CSR file's)")
    .option("--out <dir>", "output directory", "certs")
    .option("--days <n>", "validity in days (above 825 needs --force; a leaf that would outlive the CA is shortened to its expiry, with a warning)", "397")
    .option("--port <port>", "registry port, for the printed next steps", "5000")
    .option("--passphrase-file <file>", "passphrase of an encrypted CA key")
    .option("--pin-file <file>", "PIN of the token holding the CA key (init-ca --pkcs11)")
    .option("--force", "replace existing files; allow more than 825 days")
    .addHelpText(
      "after",
      `
Examples:
  $ openssl req -new -key registry.key -subj /CN=registry.local -out registry.csr
  $ regcert sign --csr registry.csr --dns registry.local --ip 192.168.0.12
    writes certs/registry.crt, certs/registry.pem and certs/ca.crt`,
    )
    .action(action(() => import("../commands/sign.js")));
}
