/** HOST[:PORT] arguments (check, api) and the CA they trust (--ca FILE|- or the home's CA). */
import { resolve } from "node:path";
import { loadTrustedCas, type TrustedCas } from "../lifecycle/ca-source.js";
import { RegcertError, userError } from "../pki/errors.js";
import { parseRegistryHost } from "../trust/host-port.js";
import type { Context } from "./context.js";
import { readInputFile } from "./input.js";
import { cliErrorText } from "./option-flags.js";
import { displayPath } from "./paths.js";

/** HOST[:PORT] as clients type it (the trust module's parser, with this command's wording). */
export function parseTarget(input: string, command = "check"): { host: string; port: number; hostPort: string } {
  try {
    const parsed = parseRegistryHost(input);
    return { host: parsed.host, port: parsed.port, hostPort: parsed.hostPort };
  } catch (error) {
    if (error instanceof RegcertError) {
      const { message, hint } = cliErrorText(error);
      throw userError(error.code, message.replace(/^--host /, ""), hint?.replace(/--host /g, `regcert ${command} `) ?? `e.g. regcert ${command} registry.local:5000`);
    }
    throw error;
  }
}

/** The CA(s) to trust: --ca FILE|-, else the home's CA; never creates one. */
export async function readTrustedCas(ctx: Context, ca: string | undefined): Promise<TrustedCas> {
  if (ca === undefined) return loadTrustedCas({ home: ctx.home() });
  const contents = await readInputFile(ca, "--ca");
  const label = ca === "-" ? "standard input" : displayPath(resolve(ctx.cwd, ca), ctx.cwd);
  return loadTrustedCas({ given: { contents: new Uint8Array(contents), label }, home: ctx.home() });
}
