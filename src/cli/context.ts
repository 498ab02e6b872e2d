/** What every command gets: the UI, the environment, global options, and whether it may ask questions. */
import { createUi, type GlobalOptions, type Ui } from "./ui.js";
import { resolveHome } from "../files/home.js";

export interface Context {
  ui: Ui;
  env: NodeJS.ProcessEnv;
  cwd: string;
  globals: GlobalOptions;
  /** stdin and stderr are terminals and neither --yes nor CI is set */
  interactive: boolean;
  /** the CA home for this run (--home, REGCERT_HOME, XDG, SUDO_USER rules) */
  home(): string;
}

export function createContext(raw: Record<string, unknown>): Context {
  const globals: GlobalOptions = {
    home: typeof raw.home === "string" ? raw.home : undefined,
    json: raw.json === true,
    yes: raw.yes === true,
    quiet: raw.quiet === true,
    color: raw.color !== false,
  };
  const env = process.env;
  const interactive = !globals.yes && !globals.json && process.stdin.isTTY === true && process.stderr.isTTY === true && !env.CI;
  return {
    ui: createUi(globals, env),
    env,
    cwd: process.cwd(),
    globals,
    interactive,
    home: () => resolveHome({ home: globals.home, env }),
  };
}
