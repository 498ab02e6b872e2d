/**
 * regcert ca retire-old: end a CA rollover. The previous CA leaves the trust bundle (install-trust
 * then removes it from clients), its key is deleted and its certificate archived under retired/.
 * Refused while certificates in the index are still signed by it and still on disk: retiring first
 * would make clients refuse a registry that has not switched yet. --force retires anyway.
 */
import { userError } from "../../pki/errors.js";
import { parseCaCertificate } from "../../pki/issuer.js";
import { withHomeLock } from "../../files/home.js";
import { checkEntryFiles, currentEntries, readIndex } from "../../files/index-store.js";
import { readPreviousCaCertificate, retirePreviousCa } from "../../files/rollover.js";
import type { Context } from "../context.js";
import { displayPath } from "../paths.js";

export interface CaRetireOldFlags {
  force?: boolean;
}

export async function run(ctx: Context, flags: CaRetireOldFlags): Promise<void> {
  const home = ctx.home();
  const result = await withHomeLock(home, () => {
    const pem = readPreviousCaCertificate(home);
    if (pem === undefined) throw userError("regcert.noRollover", `no CA rollover is in progress in ${home}: there is no old CA to retire`, "start one with regcert ca rotate");
    const previous = parseCaCertificate(pem);
    const stillUsed = currentEntries(readIndex(home).entries).filter(
      (e) => e.issuer.fingerprint === previous.fingerprint && checkEntryFiles(e).some((f) => f.role === "certificate" && f.state === "ok"),
    );
    if (stillUsed.length > 0 && !flags.force) {
      throw userError(
        "regcert.oldCaInUse",
        `${stillUsed.length} certificate(s) are still signed by the old CA: ${stillUsed.map((e) => `${e.name} (${displayPath(e.files.certificate, ctx.cwd)})`).join(", ")}`,
        "renew them (regcert renew --all), restart the registry, then retire; --force retires anyway and clients will refuse those certificates",
      );
    }
    return { ...retirePreviousCa(home), stillUsed };
  });
  const { retired, archived, stillUsed } = result;
  if (ctx.ui.json) {
    ctx.ui.result({ command: "ca retire-old", home, retired: { commonName: retired.commonName ?? null, fingerprint: retired.fingerprint, archived }, forcedWith: stillUsed.map((e) => e.name) });
    return;
  }
  for (const e of stillUsed) ctx.ui.warn(`${e.name} is still signed by the retired CA: clients that drop it will refuse ${displayPath(e.files.certificate, ctx.cwd)}`);
  ctx.ui.info(`${ctx.ui.green("✓")} Retired the old CA "${retired.commonName}": it is no longer in the trust bundle; its key was deleted`);
  ctx.ui.info(`  certificate kept for the record: ${displayPath(archived, ctx.cwd)} (sha256 ${retired.fingerprint})`);
  ctx.ui.info();
  ctx.ui.info("Next: on every client, regcert install-trust --host HOST:PORT again, so ca.crt holds only the new CA");
  ctx.ui.info("(ca.crt files that renew wrote beside certificates during the overlap still hold both CAs: renew or re-copy them).");
}
