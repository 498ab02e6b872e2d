/** What init-ca and its PKCS#11 variant share: the flags, --permit-dns parsing and the "a CA is already here" refusal. */
import { userError } from "../pki/errors.js";
import { caNameConstraints } from "../pki/ca.js";
import type { NameConstraintsSpec } from "../pki/extensions.js";
import { parseCidr, parseDnsOnly } from "../pki/names.js";
import { validateDays } from "../pki/validity.js";
import { parseCaCertificate, type CaCertificateInfo } from "../pki/issuer.js";
import { readStoredCa } from "../files/home.js";
import { readPreviousCaCertificate } from "../files/rollover.js";
import { defaultCaName } from "./ca-access.js";
import { parseWholeNumber } from "./options.js";

export interface InitCaFlags {
  cn?: string;
  org?: string;
  days?: string;
  key?: string;
  maxPathLen?: string;
  permitDns: string[];
  permitIp: string[];
  encrypt?: boolean;
  passphraseFile?: string;
  importCert?: string;
  importKey?: string;
  force?: boolean;
  /** RFC 7512 URI of the CA key in a PKCS#11 token (see init-ca-pkcs11.ts) */
  pkcs11?: string;
  pkcs11Module?: string;
  pinFile?: string;
}

export function parsePermitDns(value: string): string {
  const dot = value.trim().startsWith(".");
  const name = parseDnsOnly(dot ? value.trim().slice(1) : value);
  if (name.startsWith("*.")) throw userError("regcert.invalidName", `--permit-dns "${value}": constraints take no wildcard`, `use .${name.slice(2)} for every subdomain`);
  return dot ? `.${name}` : name;
}

/** A new CA's parameters from the flags (file key or token key), checked before any key is made or PIN asked. */
export function parseNewCaFlags(flags: InitCaFlags): { days: number; maxPathLen: number; permitDns: string[]; permitIp: string[]; nameConstraints: NameConstraintsSpec | undefined; commonName: string } {
  const days = validateDays(parseWholeNumber(flags.days, "--days", 3650), "a CA");
  const maxPathLen = parseWholeNumber(flags.maxPathLen, "--max-path-len", 0);
  const permitDns = flags.permitDns.map(parsePermitDns);
  const permitIp = flags.permitIp.map((c) => parseCidr(c).cidr);
  const nameConstraints = permitDns.length + permitIp.length > 0 ? caNameConstraints(permitDns, permitIp) : undefined;
  const commonName = flags.cn ?? defaultCaName();
  if (commonName.length === 0 || commonName.length > 64) throw userError("regcert.invalidCn", `--cn has ${commonName.length} characters; a common name has 1 to 64`, 'e.g. --cn "Example registry CA"');
  return { days, maxPathLen, permitDns, permitIp, nameConstraints, commonName };
}

export function assertNoCa(home: string, force: boolean): boolean {
  // a replaced CA during a rollover would leave the previous CA in every client's trust bundle
  if (readPreviousCaCertificate(home) !== undefined) {
    throw userError(
      "regcert.rolloverInProgress",
      `a CA rollover is in progress in ${home} (previous-ca.crt is still trusted)`,
      "finish it first: regcert ca retire-old (once clients and the registry use the new CA), then re-run init-ca",
    );
  }
  let existing;
  try {
    existing = readStoredCa(home);
  } catch (error) {
    // half a CA: --force replaces it; without --force say what is there
    if (force) return true;
    throw error;
  }
  if (!existing) return false;
  if (force) return true;
  let description = "";
  try {
    const info = parseCaCertificate(existing.certificatePem, existing.paths.certificate);
    description = ` ("${info.commonName}", expires ${info.notAfter.toISOString().slice(0, 10)})`;
  } catch {
    /* unreadable: the refusal is what matters */
  }
  throw userError(
    "regcert.caExists",
    `a CA already exists in ${home}${description}`,
    "keep using it, or re-run with --force to replace it (every client must then trust the new ca.crt)",
  );
}

/** What init-ca made or adopted, for its --json report (the same shape for a file key and a token key). */
export interface InitCaOutcome {
  home: string;
  replaced: boolean;
  imported: boolean;
  certificatePath: string;
  /** the key file; null when the key stays in a PKCS#11 token */
  keyPath: string | null;
  pkcs11?: { uri: string; module: string; reference: string };
  encrypted: boolean;
  keyAlgorithm: string;
  /** the new CA's serial (only for a CA created here) */
  serial?: string;
  /** the CA certificate as read back (parseCaCertificate) */
  certificate: Pick<CaCertificateInfo, "commonName" | "notBefore" | "notAfter" | "fingerprint" | "pathLen" | "nameConstraints">;
  warnings: readonly string[];
}

/** The --json result of every init-ca form: created, adopted, or in a PKCS#11 token. */
export function initCaReport(o: InitCaOutcome): Record<string, unknown> {
  const cert = o.certificate;
  return {
    command: "init-ca",
    home: o.home,
    replaced: o.replaced,
    imported: o.imported,
    certificate: o.certificatePath,
    key: o.keyPath,
    ...(o.pkcs11 ? { pkcs11: o.pkcs11 } : {}),
    encrypted: o.encrypted,
    commonName: cert.commonName ?? null,
    keyAlgorithm: o.keyAlgorithm,
    ...(o.serial === undefined ? {} : { serial: o.serial }),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    fingerprint: cert.fingerprint,
    maxPathLen: cert.pathLen ?? null,
    nameConstraints: cert.nameConstraints ?? null,
    warnings: o.warnings,
  };
}
