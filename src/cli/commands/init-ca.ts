/** regcert init-ca: the root CA in the home. Refuses to replace an existing CA without --force. */
import { createRootCa, caNameConstraints } from "../../pki/ca.js";
import { userError } from "../../pki/errors.js";
import { parseKeyAlgorithm } from "../../pki/keys.js";
import { parseCidr, parseDnsOnly } from "../../pki/names.js";
import { validateDays } from "../../pki/validity.js";
import { saveCa } from "../../files/ca-store.js";
import { readStoredCa, withHomeLock } from "../../files/home.js";
import { parseCaCertificate } from "../../pki/issuer.js";
import type { Context } from "../context.js";
import { defaultCaName, generateKeyWithProgress } from "../ca-access.js";
import { parseWholeNumber } from "../options.js";
import { displayPath } from "../paths.js";

export interface InitCaFlags {
  cn?: string;
  org?: string;
  days?: string;
  key?: string;
  maxPathLen?: string;
  permitDns: string[];
  permitIp: string[];
  force?: boolean;
}

export async function run(ctx: Context, flags: InitCaFlags): Promise<void> {
  const keyAlgorithm = parseKeyAlgorithm(flags.key ?? "ecdsa-p256");
  const days = validateDays(parseWholeNumber(flags.days, "--days", 3650), "a CA");
  const maxPathLen = parseWholeNumber(flags.maxPathLen, "--max-path-len", 0);
  const permitDns = flags.permitDns.map((d) => parseDnsOnly(d.startsWith(".") ? d.slice(1) : d)).map((d, i) => (flags.permitDns[i]?.startsWith(".") ? `.${d}` : d));
  const permitIp = flags.permitIp.map((c) => parseCidr(c).cidr);
  const nameConstraints = permitDns.length + permitIp.length > 0 ? caNameConstraints(permitDns, permitIp) : undefined;
  const commonName = flags.cn ?? defaultCaName();
  if (commonName.length > 64) throw userError("regcert.invalidCn", `--cn is ${commonName.length} characters; a common name has at most 64`);
  const home = ctx.home();

  const result = await withHomeLock(home, async () => {
    const existing = readStoredCaSafely(home);
    if (existing && !flags.force) {
      const info = parseCaCertificate(existing.certificatePem, existing.paths.certificate);
      throw userError(
        "regcert.caExists",
        `a CA already exists in ${home} ("${info.commonName}", expires ${info.notAfter.toISOString().slice(0, 10)})`,
        "keep using it, or re-run with --force to replace it (every client must then trust the new ca.crt)",
      );
    }
    const keyPair = await generateKeyWithProgress(ctx, keyAlgorithm, "CA key");
    const ca = createRootCa({
      commonName,
      organization: flags.org ?? "regcert",
      days,
      keyPair,
      maxPathLen,
      ...(nameConstraints ? { nameConstraints } : {}),
    });
    const paths = saveCa(home, ca, { force: flags.force === true });
    return { ca, paths, replaced: existing !== undefined };
  });

  const { ca, paths, replaced } = result;
  const info = ca.issuer.certificate;
  if (ctx.ui.json) {
    ctx.ui.result({
      command: "init-ca",
      home,
      replaced,
      certificate: paths.certificate,
      key: paths.key,
      commonName: info.commonName,
      keyAlgorithm,
      serial: ca.serialHex,
      notBefore: ca.notBefore.toISOString(),
      notAfter: ca.notAfter.toISOString(),
      fingerprint: info.fingerprint,
      maxPathLen,
      nameConstraints: nameConstraints ?? null,
    });
    return;
  }
  if (replaced) ctx.ui.warn("replaced the previous CA: clients that trusted it will not trust certificates from this one");
  ctx.ui.info(`${ctx.ui.green("✓")} Created CA "${info.commonName}" (${keyAlgorithm}, expires ${ca.notAfter.toISOString().slice(0, 10)})`);
  ctx.ui.info(`  ${displayPath(paths.certificate, ctx.cwd)}  CA certificate: give this to clients`);
  ctx.ui.info(`  ${displayPath(paths.key, ctx.cwd)}  CA private key (0600): never copy it anywhere`);
  if (nameConstraints) ctx.ui.info(`  name-constrained to: ${[...permitDns, ...permitIp].join(", ")}${permitIp.length === 0 ? " (no IP addresses)" : ""}`);
  ctx.ui.info();
  ctx.ui.info("Next: regcert issue --dns registry.local --ip 192.168.0.12");
}

function readStoredCaSafely(home: string) {
  try {
    return readStoredCa(home);
  } catch {
    // half a CA: with --force it is replaced; without, the exists error below is clearer than "key missing"
    return { paths: { home, certificate: `${home}/ca.crt`, key: `${home}/ca.key` }, certificatePem: "", keyPem: "" };
  }
}
