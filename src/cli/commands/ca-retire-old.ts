/**
 * regcert ca retire-old: end a CA rollover. The previous CA leaves the trust bundle (install-trust
 * then removes it from clients), its key is deleted and its certificate archived under retired/.
 * Refused while certificates in the index are still signed by it and still on disk: retiring first
 * would make clients refuse a registry that has not switched yet. --force retires anyway.
 *
 * Certificates `acme serve` issued count too while they are in use (current, not revoked, not expired:
 * src/lifecycle/rollover-uses.ts): their clients still serve them until they renew from the new CA.
 */
import { userError } from "../../pki/errors.js";
import { parseCaCertificate } from "../../pki/issuer.js";
import { withHomeLock } from "../../files/home.js";
import { readIndex, type IndexEntry } from "../../files/index-store.js";
import { readPreviousCaCertificate, retirePreviousCa } from "../../files/rollover.js";
import { certificatesStillSigned, describeAcmeUse, type CaUses } from "../../lifecycle/rollover-uses.js";
import type { Context } from "../context.js";
import { lifecycleNow } from "../clock.js";
import { displayPath } from "../paths.js";

export interface CaRetireOldFlags {
  force?: boolean;
}

/** The hint of a refused retire-old: what renews each kind of certificate still signed by the old CA. */
function stillUsedHint(uses: CaUses): string {
  const steps = [
    ...(uses.files.length > 0 ? ["renew them (regcert renew --all), restart the registry"] : []),
    ...(uses.acme.length > 0 ? ["restart regcert acme serve (it then issues from the new CA) and let the ACME clients renew (or revoke those certificates)"] : []),
  ];
  return `${steps.join("; ")}, then retire; --force retires anyway and clients will refuse those certificates`;
}

export async function run(ctx: Context, flags: CaRetireOldFlags): Promise<void> {
  const home = ctx.home();
  const now = lifecycleNow(ctx.env);
  const result = await withHomeLock(home, () => {
    const pem = readPreviousCaCertificate(home);
    if (pem === undefined) throw userError("regcert.noRollover", `no CA rollover is in progress in ${home}: there is no old CA to retire`, "start one with regcert ca rotate");
    const previous = parseCaCertificate(pem);
    const stillUsed = certificatesStillSigned(readIndex(home).entries, previous.fingerprint, now);
    const count = stillUsed.files.length + stillUsed.acme.length;
    if (count > 0 && !flags.force) {
      const listed = [...stillUsed.files.map((e) => `${e.name} (${displayPath(e.files.certificate, ctx.cwd)})`), ...stillUsed.acme.map(describeAcmeUse)];
      throw userError("regcert.oldCaInUse", `${count} certificate(s) are still signed by the old CA: ${listed.join(", ")}`, stillUsedHint(stillUsed));
    }
    return { ...retirePreviousCa(home), stillUsed };
  });
  const { retired, archived, stillUsed } = result;
  const names = (entries: IndexEntry[]) => entries.map((e) => e.name);
  if (ctx.ui.json) {
    ctx.ui.result({
      command: "ca retire-old",
      home,
      retired: { commonName: retired.commonName ?? null, fingerprint: retired.fingerprint, archived },
      forcedWith: [...names(stillUsed.files), ...names(stillUsed.acme)],
      forcedWithAcme: stillUsed.acme.map((e) => ({ name: e.name, serial: e.serial, notAfter: e.notAfter })),
    });
    return;
  }
  for (const e of stillUsed.files) ctx.ui.warn(`${e.name} is still signed by the retired CA: clients that drop it will refuse ${displayPath(e.files.certificate, ctx.cwd)}`);
  for (const e of stillUsed.acme) ctx.ui.warn(`${describeAcmeUse(e)} is still signed by the retired CA: clients that drop it will refuse it until its ACME client renews from the new CA`);
  ctx.ui.info(`${ctx.ui.green("✓")} Retired the old CA "${retired.commonName}": it is no longer in the trust bundle; its key was deleted`);
  ctx.ui.info(`  certificate kept for the record: ${displayPath(archived, ctx.cwd)} (sha256 ${retired.fingerprint})`);
  ctx.ui.info();
  ctx.ui.info("Next: on every client, regcert install-trust --host HOST:PORT again, so ca.crt holds only the new CA");
  ctx.ui.info("(ca.crt files that renew wrote beside certificates during the overlap still hold both CAs: renew or re-copy them).");
}
