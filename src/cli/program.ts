/**
 * The commander program: global options and every command's flags and help. Command code is imported
 * only when that command runs, so `regcert --help` loads no crypto or ASN.1 code.
 */
import { Command, Help } from "commander";
import { createRequire } from "node:module";
import { refuseUnsafeArguments } from "./argv-check.js";
import { createContext } from "./context.js";
import { defineAcmeCommands, defineScheduleCommand } from "./defs/acme.js";
import { defineCaCommands } from "./defs/ca.js";
import { defineCertificateCommands } from "./defs/certificates.js";
import { defineFleetCommands } from "./defs/fleet.js";
import { defineInspectVerifyCommands } from "./defs/inspect-verify.js";
import { defineK8sCommands } from "./defs/k8s.js";
import { defineKeyCommands } from "./defs/keys.js";
import { defineLifecycleCommands } from "./defs/lifecycle.js";
import { defineRegistryCommands } from "./defs/registry.js";
import { defineTrustCommands } from "./defs/trust.js";
import type { CommandModule } from "./defs/types.js";

function version(): string {
  return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("regcert")
    .description("TLS for private Docker/OCI registries: a CA, registry certificates, and trust on every client.")
    .version(version(), "-V, --version", "print the version")
    .option("--home <dir>", "CA home (env REGCERT_HOME; default ~/.local/share/regcert)")
    .option("--json", "print one JSON result on stdout")
    .option("--yes", "never ask questions (also implied without a terminal)")
    .option("--quiet", "print only errors")
    .option("--no-color", "no colours (also with NO_COLOR)")
    .showHelpAfterError("(run regcert --help for usage)")
    // repeatable flags start as []: "(default: [])" says nothing, so empty-list defaults are not shown
    .configureHelp({
      optionDescription(option) {
        const empty = Array.isArray(option.defaultValue) && option.defaultValue.length === 0;
        const text = new Help().optionDescription(option);
        return empty ? text.replace(/ \(default: \[\]\)$/, "") : text;
      },
    })
    .addHelpText(
      "after",
      `
Examples:
  $ regcert issue --dns registry.local --ip 192.168.0.12
    CA (first use) + registry certificate in ./certs, with the next steps
  $ regcert init-ca --permit-dns registry.local
    a name-constrained root CA`,
    );

  const action =
    (load: () => Promise<CommandModule>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      refuseUnsafeArguments(command, args.slice(0, -2));
      const ctx = createContext(command.optsWithGlobals());
      const module = await load();
      await module.run(ctx, ...args.slice(0, -1));
    };

  defineCertificateCommands(program, action);
  defineRegistryCommands(program, action);
  defineInspectVerifyCommands(program, action);
  defineCaCommands(program, action);
  defineLifecycleCommands(program, action);
  defineTrustCommands(program, action);
  defineK8sCommands(program, action);
  defineAcmeCommands(program, action);
  defineScheduleCommand(program, action);
  defineKeyCommands(program, action);
  defineFleetCommands(program, action);
  return program;
}
