/** Definitions of `export`: keystores for Java-based registries and appliances. Code loads only when it runs. */
import type { Command } from "commander";
import type { ActionFactory } from "./types.js";

export function defineKeyCommands(program: Command, action: ActionFactory): void {
  program
    .command("export")
    .description("a certificate as PKCS#12 keystore, Java truststore (CA only) or fullchain.pem, for Java registries (Nexus, Artifactory, Tomcat)")
    .argument("<name>", "the --name it was issued with (see regcert status)")
    .option("--p12", "NAME.p12: key, certificate and CA chain (PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256, MAC SHA-256)")
    .option("--truststore", "NAME.truststore.p12: the CA certificate(s) only, as trustedCertEntry for Java")
    .option("--fullchain", "NAME.fullchain.pem: the certificate followed by its CA")
    .option("--legacy", "3DES/SHA-1 encryption for Java 8 before 8u301 and old appliances (weaker)")
    .option("--password-file <file>", "keystore password from this file's first line (without it: asked twice on a terminal)")
    .option("--no-password", "no password: nothing encrypted, no MAC (Java reads only a truststore made so)")
    .option("--out <dir>", "output directory (default: beside the certificate)")
    .option("--force", "replace existing files")
    .addHelpText(
      "after",
      `
The password is never taken on the command line. An empty password is refused; --no-password is
the explicit way to write an unprotected keystore.

Examples:
  $ regcert export registry --p12 --password-file pw.txt
    certs/registry.p12 (alias "registry"); keytool -list -storetype PKCS12 -keystore certs/registry.p12
  $ regcert export registry --truststore --fullchain --password-file pw.txt
    certs/registry.truststore.p12 (alias "regcert-ca", trustedCertEntry) and certs/registry.fullchain.pem
  $ regcert export registry --p12 --legacy --password-file pw.txt
    for Java 8 (3DES, SHA-1 MAC, 2,048 iterations)`,
    )
    .action(action(() => import("../commands/export.js")));
}
