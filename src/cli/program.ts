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

/** package.json's version, inlined by the CLI bundle build (scripts/build.mjs); read from the file otherwise. */
declare const __REGCERT_VERSION__: string | undefined;
function version(): string {
  if (typeof __REGCERT_VERSION__ === "string") return __REGCERT_VERSION__;
  return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
}

/** The options `regcert` itself takes before a command word, and whether each takes a value. */
const GLOBAL_OPTIONS: Record<string, boolean> = { "--home": true, "--json": false, "--yes": false, "--quiet": false, "--no-color": false };

/**
 * The command word of `argv` (process.argv form), or undefined when anything else comes first (help,
 * version, an unknown option): then every command is defined, so commander answers as it always did.
 */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("-")) return arg;
    if (arg.startsWith("--home=")) continue;
    const takesValue = GLOBAL_OPTIONS[arg];
    if (takesValue === undefined) return undefined;
    if (takesValue) i++;
  }
  return undefined;
}

/**
 * Builds the program. With `argv` naming a command, only the group of definitions holding that command
 * is registered: defining all ~25 commands and ~200 options costs several ms of a command's start-up,
 * and the command parses exactly as before. Without argv, or for `--help`, `help …` or an unknown word,
 * every command is defined (test/cli/startup-bundles.test.ts checks each command is found this way).
 */
export function buildProgram(argv?: readonly string[]): Command {
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

  // each group with the top-level commands it registers (a group not listed here is always defined)
  const groups: Array<[commands: string[], define: () => unknown]> = [
    [["init-ca", "issue", "sign"], () => defineCertificateCommands(program, action)],
    [["htpasswd", "registry-config", "check", "api"], () => defineRegistryCommands(program, action)],
    [["inspect", "verify"], () => defineInspectVerifyCommands(program, action)],
    [["ca"], () => defineCaCommands(program, action)],
    [["status", "renew"], () => defineLifecycleCommands(program, action)],
    [["install-trust"], () => defineTrustCommands(program, action)],
    [["k8s"], () => defineK8sCommands(program, action)],
    [["acme"], () => defineAcmeCommands(program, action)],
    [["schedule"], () => defineScheduleCommand(program, action)],
    [["export"], () => defineKeyCommands(program, action)],
    [["fleet"], () => defineFleetCommands(program, action)],
  ];
  const word = argv && commandWord(argv);
  const only = word !== undefined && groups.some(([commands]) => commands.includes(word)) ? word : undefined;
  for (const [commands, define] of groups) if (only === undefined || commands.includes(only)) define();
  return program;
}
