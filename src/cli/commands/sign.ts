/** regcert sign: sign an external CSR with our profile after checking its self-signature. */
import { existsSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { signCsr } from "../../pki/issue.js";
import { parseCsr } from "../../pki/csr.js";
import { classifyNames, parseDnsOnly, parseIpOnly } from "../../pki/names.js";
import { ED25519_WARNING, describeKey } from "../../pki/keys.js";
import { validateDays } from "../../pki/validity.js";
import { validateLeafDays } from "../../pki/validity.js";
import type { Context } from "../context.js";
import { obtainIssuer } from "../ca-access.js";
import { readInputFile } from "../input.js";
import { assertNoConflicts, leafPaths, guardGitWorkTree, publishLeaf } from "../leaf-output.js";
import { parseBaseName, parsePort, parseWholeNumber } from "../options.js";

export interface SignFlags {
  csr: string;
  dns: string[];
  ip: string[];
  client?: boolean;
  name?: string;
  out?: string;
  days?: string;
  port?: string;
  force?: boolean;
  passphraseFile?: string;
  pinFile?: string;
}

export async function run(ctx: Context, flags: SignFlags): Promise<void> {
  const override = classifyNames([...flags.dns.map(parseDnsOnly), ...flags.ip.map(parseIpOnly)]);
  const days = validateLeafDays(parseWholeNumber(flags.days, "--days", 397), { allowLongValidity: flags.force === true });
  const port = parsePort(flags.port);
  const fallbackName = flags.csr === "-" ? "signed" : basename(flags.csr, extname(flags.csr));
  const name = parseBaseName(flags.name, /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(fallbackName) ? fallbackName : "signed");
  const csr = await readInputFile(flags.csr, "--csr");
  // a broken CSR is reported with its file name, before any CA is created or unlocked
  // (the whole CSR policy: strict DER, duplicates, EC point form, names, key strength)
  const parsed = parseCsr(csr, flags.csr === "-" ? "the CSR on standard input (--csr -)" : `${flags.csr} (--csr)`, {
    profile: flags.client ? "client" : "server",
    namesGiven: override.dns.length + override.ip.length > 0,
  });
  if (describeKey(parsed.publicKey).type === "ed25519") ctx.ui.warn(`the CSR has an Ed25519 key: ${ED25519_WARNING}`);
  const outDir = resolve(ctx.cwd, flags.out ?? "certs");
  const files = leafPaths(outDir, name, false);
  assertNoConflicts(files, flags.force === true);
  const git = guardGitWorkTree(files, name, flags.force === true);
  // sign never saw the private key: it is wherever the CSR was made. The next steps name the key
  // beside the CSR (same stem, .key) when there is one, and otherwise say to add it.
  const besideCsr = flags.csr === "-" ? undefined : join(dirname(resolve(ctx.cwd, flags.csr)), `${basename(flags.csr, extname(flags.csr))}.key`);
  const keyFile = besideCsr !== undefined && existsSync(besideCsr) ? besideCsr : undefined;

  const obtained = await obtainIssuer(ctx, { createWith: "ecdsa-p256", passphraseFile: flags.passphraseFile, pinFile: flags.pinFile });
  const { issuer } = obtained;
  const cert = signCsr({
    issuer,
    csr,
    names: override,
    profile: flags.client ? "client" : "server",
    days,
    allowLongValidity: flags.force === true,
  });
  await publishLeaf(ctx, { command: "sign", name, outDir, port, files, cert, obtained, force: flags.force === true, csr, keyFile, git });
}
