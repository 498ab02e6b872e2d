/**
 * regcert acme serve: an RFC 8555 ACME server issuing from this home's CA (src/acme). Parses flags,
 * unlocks the CA once (--passphrase-file, or asked on a terminal), opens the durable store (which
 * refuses a second server on the home), listens, prints the directory URL and each client's trust
 * recipe, then serves until SIGINT/SIGTERM.
 */
import { isIPv4, isIPv6 } from "node:net";
import { createAcmeServer } from "../../acme/server.js";
import { FileAcmeStore } from "../../acme/file-store.js";
import { parseAllowList } from "../../acme/policy.js";
import { trustRecipes } from "../../acme/recipes.js";
import { loadIssuer } from "../../files/ca-store.js";
import { caPaths } from "../../files/home.js";
import { userError } from "../../pki/errors.js";
import { classifyName } from "../../pki/names.js";
import { MAX_LEAF_DAYS_WITHOUT_FORCE } from "../../pki/profiles.js";
import { sanitizeForTerminal } from "../../text/sanitize.js";
import { lifecycleNow } from "../clock.js";
import type { Context } from "../context.js";
import { parseWholeNumber } from "../options.js";
import { readPassphrase } from "../passphrase.js";
import { entryFieldsFromIssued } from "../../files/index-store.js";
import { AcmeIndexRecorder, acmeEntryName, reconcileAcmeIndex } from "../index-hook.js";

export interface AcmeServeFlags {
  listen: string;
  allowDns: string[];
  allowIp: string[];
  days?: string;
  httpPort?: string;
  tlsPort?: string;
  resolve: string[];
  passphraseFile?: string;
}

export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw userError("regcert.invalidListen", `--listen ${JSON.stringify(value)} is not HOST:PORT`, "e.g. --listen 127.0.0.1:14000 or --listen [::1]:14000");
  const host = (match[1] ?? match[2]) as string;
  if (match[1] !== undefined && !isIPv6(host)) throw userError("regcert.invalidListen", `--listen ${JSON.stringify(value)}: ${host} is not an IPv6 address`, "e.g. --listen [::1]:14000");
  if (host !== "0.0.0.0" && host !== "::" && !isIPv4(host) && !isIPv6(host)) classifyName(host);
  return { host, port };
}

function parsePortFlag(value: string | undefined, flag: string, fallback: number): number {
  const port = parseWholeNumber(value, flag, fallback);
  if (port < 1 || port > 65535) throw userError("regcert.invalidPort", `${flag} ${port} is not a TCP port`, `e.g. ${flag} ${fallback}`);
  return port;
}

/** --resolve NAME:IP (repeatable): the name has no colon, the rest is the address (IPv6 allowed). */
export function parseResolve(values: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const value of values) {
    const at = value.indexOf(":");
    const bad = () => userError("regcert.invalidResolve", `--resolve ${JSON.stringify(value)} is not NAME:IP`, "e.g. --resolve registry.test:127.0.0.1");
    if (at <= 0) throw bad();
    const name = classifyName(value.slice(0, at));
    const ip = classifyName(value.slice(at + 1).replace(/^\[|\]$/g, ""));
    if (name.type !== "dns" || ip.type !== "ip") throw bad();
    map.set(name.value, [...(map.get(name.value) ?? []), ip.value]);
  }
  return map;
}

export async function run(ctx: Context, flags: AcmeServeFlags): Promise<void> {
  // challenge lookups (getaddrinfo) and the journal's fdatasync run on libuv's threadpool: with its
  // default 4 threads, a slow disk's syncs could hold up the lookups of validations. Read by libuv when
  // the pool first starts, which is after this line: nothing before it uses the pool.
  process.env.UV_THREADPOOL_SIZE ??= "16";
  const { host, port } = parseListen(flags.listen);
  const allow = parseAllowList(flags.allowDns, flags.allowIp);
  if (allow.dns.length + allow.ip.length === 0) {
    throw userError("regcert.noAllowList", "acme serve needs an allow-list: which names may it certify?", "add --allow-dns NAME (or *.SUFFIX) and/or --allow-ip CIDR, e.g. --allow-dns registry.local --allow-ip 192.168.0.0/16");
  }
  const days = parseWholeNumber(flags.days, "--days", 7);
  if (days < 1 || days > MAX_LEAF_DAYS_WITHOUT_FORCE) {
    throw userError("regcert.invalidDays", `--days ${days} is outside 1..${MAX_LEAF_DAYS_WITHOUT_FORCE}`, "short-lived is the point of ACME: e.g. --days 7");
  }
  const httpPort = parsePortFlag(flags.httpPort, "--http-port", 80);
  const tlsPort = parsePortFlag(flags.tlsPort, "--tls-port", 443);
  const resolve = parseResolve(flags.resolve);
  const now = () => lifecycleNow(ctx.env);
  now(); // a bad REGCERT_NOW is reported before anything starts

  const home = ctx.home();
  // asked once, at start: the key then stays in memory for the server's life
  const passphrase = await readPassphrase(ctx, flags.passphraseFile, home);
  const loaded = loadIssuer(home, { passphrase });
  if (!loaded) throw userError("regcert.noCa", `no CA in ${home}`, "create one with `regcert init-ca`, or pass --home DIR");
  const { issuer } = loaded;
  if (issuer.certificate.notAfter.getTime() <= now().getTime()) {
    throw userError("regcert.caExpired", `the CA certificate expired on ${issuer.certificate.notAfter.toISOString()}`, "create a new CA (regcert ca rotate) first");
  }
  const store = new FileAcmeStore(home, { now });
  for (const path of store.skipped) ctx.ui.warn(`skipped unreadable ACME record ${sanitizeForTerminal(path)}`);
  if (store.journalReport.tornBytes > 0) {
    ctx.ui.warn(`the ACME journal ended in a record torn by a crash (${store.journalReport.tornBytes} bytes): cut off, every whole record before it kept`);
  }
  // what the index lacks from an earlier run (a recording cut off by a stop, or a version before this)
  const reconciled = await reconcileAcmeIndex(ctx, home);
  if (reconciled.recorded + reconciled.revoked > 0) {
    ctx.ui.warn(`recorded ${reconciled.recorded} ACME certificate(s) and ${reconciled.revoked} revocation(s) from the ACME journal that the home's index lacked`);
  }
  const recorder = new AcmeIndexRecorder(ctx, home);
  // every certificate goes into the home's index (source "acme"), so status watches its expiry. The
  // protocol calls these after the certificate (or revocation) is durable in the ACME journal; the
  // answer does not wait for the index (group commit in the background: holding each answer for the
  // home's lock and fsyncs cost ~40% of the orders/s). A stop writes what is still queued before
  // cli/main.ts exits (prepended handler, synchronous), and the next start records whatever a crash lost.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.prependListener(signal, () => recorder.flushSync());
  const server = createAcmeServer({
    ca: issuer,
    store,
    allowDns: allow.dns,
    allowIp: allow.ip,
    days,
    httpPort,
    tlsPort,
    resolve,
    now,
    onIssued: (issued, record) =>
      void recorder.issued({
        certificatePem: issued.certificatePem,
        ca: issuer.certificate,
        acme: { accountId: record.accountId, orderId: record.orderId, certId: record.id },
        name: acmeEntryName(issued.names, record.serial),
        fields: entryFieldsFromIssued(issued),
      }),
    // a revocation is rare: its answer waits, so once the client hears "revoked", status says so too
    onRevoked: (record) => (record.revoked ? recorder.revoked(record.serial, record.revoked) : undefined),
  });
  let bound: Awaited<ReturnType<typeof server.listen>>;
  try {
    bound = await server.listen(port, host);
  } catch (error) {
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw userError("regcert.addressInUse", `${flags.listen} is already in use`, "choose another port with --listen HOST:PORT");
    if (code === "EACCES") throw userError("regcert.permissionDenied", `cannot listen on ${flags.listen}: permission denied`, "use a port above 1023, or run with the capability to bind it");
    if (code === "EADDRNOTAVAIL") throw userError("regcert.invalidListen", `${host} is not an address of this machine`, "listen on one of its addresses, e.g. --listen 127.0.0.1:14000");
    throw error;
  }
  const caFile = caPaths(home).certificate;
  const exampleName = allow.dns.find((n) => !n.startsWith("*.")) ?? allow.dns[0]?.replace(/^\*\./, "www.") ?? allow.ip[0]?.split("/")[0] ?? "registry.example";
  const recipes = trustRecipes({ directoryUrl: bound.directoryUrl, caFile, caPem: issuer.certificate.pem, exampleName });
  const counts = store.counts();
  if (ctx.ui.json) {
    ctx.ui.result({ command: "acme serve", directoryUrl: bound.directoryUrl, listen: { host, port: bound.port }, ca: caFile, days, httpPort, tlsPort, allow, state: counts, recipes });
  } else {
    const ui = ctx.ui;
    ui.info(`ACME directory: ${bound.directoryUrl}`);
    ui.info(`Issuing from ${sanitizeForTerminal(caFile)} for ${days} day(s); allowed: ${[...allow.dns, ...allow.ip].join(", ")}`);
    ui.info(`Challenges: http-01 on port ${httpPort}, tls-alpn-01 on port ${tlsPort}; state in ${sanitizeForTerminal(home)}/acme (${counts.accounts} accounts, ${counts.certificates} certificates)`);
    const section = (title: string, lines: string[]) => {
      ui.info("");
      ui.info(`${title}:`);
      for (const line of lines) ui.info(`  ${line}`);
    };
    section("Caddy (Caddyfile global options)", recipes.caddy);
    section("lego / Traefik", recipes.lego);
    section("certbot", recipes.certbot);
    section("cert-manager ClusterIssuer", recipes.certManager);
    section("registry:3 (distribution v3)", recipes.registry);
    ui.info("");
    ui.info("Serving; stop with Ctrl-C.");
  }
  // serve until a signal: cli/main.ts handles SIGINT/SIGTERM (removes the store's lock, exits)
  await new Promise<never>(() => undefined);
}
