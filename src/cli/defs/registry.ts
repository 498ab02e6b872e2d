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
}
