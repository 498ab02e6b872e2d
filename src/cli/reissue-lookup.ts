/**
 * How a served certificate was issued (its `issue --name` and `--out`), found in the CA home's index
 * by fingerprint (else serial): read-only, through the index API; read once, on first use, and only
 * when a fix needs it. Nothing found, or no readable index: undefined (the fix then names NAME/DIR).
 */
import { dirname } from "node:path";
import { currentEntries, readIndex, type IndexEntry } from "../files/index-store.js";
import type { Context } from "./context.js";
import { displayPath } from "./paths.js";

export type ReissueLookup = (leaf: { fingerprint: string; serial: string }) => { name: string; outDir: string } | undefined;

export function reissueFromIndex(ctx: Context): ReissueLookup {
  let entries: IndexEntry[] | undefined;
  return (leaf) => {
    try {
      entries ??= readIndex(ctx.home()).entries;
    } catch {
      return undefined;
    }
    const current = new Set(currentEntries(entries));
    const found = (match: (e: IndexEntry) => boolean) => entries?.filter(match).sort((a, b) => Number(current.has(b)) - Number(current.has(a)))[0];
    const entry = found((e) => e.fingerprint.toLowerCase() === leaf.fingerprint.toLowerCase()) ?? found((e) => e.serial.toLowerCase() === leaf.serial.toLowerCase());
    if (!entry) return undefined;
    const dir = dirname(entry.files.certificate);
    return { name: entry.name, outDir: dir === ctx.cwd ? "." : displayPath(dir, ctx.cwd) };
  };
}
