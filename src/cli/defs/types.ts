import type { Context } from "../context.js";

/** A command's implementation module, imported lazily when the command runs. */
export interface CommandModule {
  run(ctx: Context, ...args: unknown[]): Promise<void>;
}

/** Wraps a lazy module loader into a commander action handler. */
export type ActionFactory = (load: () => Promise<CommandModule>) => (...args: unknown[]) => Promise<void>;
