/** The only importer of `prompts`: questions are asked only on a TTY without --yes (see context.interactive). */
import type { Context } from "./context.js";
import { userError } from "../pki/errors.js";

async function load() {
  const module = (await import("prompts")) as unknown as { default: typeof import("prompts") };
  return module.default;
}

function cancelled(): never {
  throw new PromptCancelled();
}

export class PromptCancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "PromptCancelled";
  }
}

/** Asks for a line of text; refuses (exit 2 with `hint`) when the run is not interactive. */
export async function askText(ctx: Context, message: string, hint: string, missing: string): Promise<string> {
  if (!ctx.interactive) throw userError("regcert.missingInput", missing, hint);
  const prompts = await load();
  const answer = await prompts({ type: "text", name: "value", message, stdout: process.stderr }, { onCancel: cancelled });
  return String(answer.value ?? "");
}

/** Asks for a secret twice (when `confirm`) and refuses an empty one. */
export async function askSecret(ctx: Context, message: string, hint: string, missing: string, confirm = false): Promise<string> {
  if (!ctx.interactive) throw userError("regcert.missingInput", missing, hint);
  const prompts = await load();
  const first = await prompts({ type: "password", name: "value", message, stdout: process.stderr }, { onCancel: cancelled });
  const value = String(first.value ?? "");
  if (value === "") throw userError("regcert.emptySecret", "an empty passphrase or password is not allowed", "type a non-empty value");
  if (confirm) {
    const second = await prompts({ type: "password", name: "value", message: "Again, to confirm", stdout: process.stderr }, { onCancel: cancelled });
    if (String(second.value ?? "") !== value) throw userError("regcert.secretMismatch", "the two entries do not match", "run the command again and type the same value twice");
  }
  return value;
}

/** Asks yes/no; a non-interactive run gets `fallback`. */
export async function askConfirm(ctx: Context, message: string, fallback: boolean): Promise<boolean> {
  if (!ctx.interactive) return fallback;
  const prompts = await load();
  const answer = await prompts({ type: "confirm", name: "value", message, initial: fallback, stdout: process.stderr }, { onCancel: cancelled });
  return answer.value === true;
}
