/**
 * Harbor (goharbor/harbor): harbor.yml for Harbor's offline/online installer, whose `prepare` script
 * renders its own compose file from it. regcert fills https.{port,certificate,private_key} with the
 * regcert certificate (the chain, as issued) and key, and random admin and database passwords (kept
 * when the file exists). Keys and defaults follow the installer's template (test/fixtures/upstream/harbor.json).
 * Harbor has no client-certificate setting and its own user database: --mtls and --auth do not apply.
 */
import { Document, parseDocument } from "yaml";
import { opt, phrase, userError } from "../pki/errors.js";

export interface HarborOptions {
  /** the name clients use (hostname in harbor.yml): a DNS name or IP in the certificate */
  hostname: string;
  /** https port; default 443 */
  port?: number;
  /** absolute host paths the installer copies (prepare reads them on the host) */
  certificate: string;
  privateKey: string;
  /** data_volume; default /data */
  dataVolume?: string;
  adminPassword: string;
  databasePassword: string;
}

/** The installer template's version this file follows (harbor.yml `_version`). */
export const HARBOR_TEMPLATE_VERSION = "2.15.0";

export function renderHarborYml(o: HarborOptions): string {
  for (const [what, value] of [["certificate", o.certificate], ["private key", o.privateKey], [opt("dataVolume"), o.dataVolume ?? "/data"]] as const) {
    if (!value.startsWith("/")) throw userError("regcert.relativePath", phrase`Harbor's ${what} path ${value} must be absolute (its prepare script reads it on the host)`, phrase`pass absolute ${opt("certs")} / ${opt("dataVolume")} directories`);
  }
  const port = o.port ?? 443;
  const doc = new Document({
    hostname: o.hostname,
    https: { port, certificate: o.certificate, private_key: o.privateKey },
    harbor_admin_password: o.adminPassword,
    database: { password: o.databasePassword, max_idle_conns: 100, max_open_conns: 900, conn_max_lifetime: "5m", conn_max_idle_time: 0 },
    data_volume: o.dataVolume ?? "/data",
    trivy: { ignore_unfixed: false, skip_update: false, skip_java_db_update: false, offline_scan: false, security_check: "vuln", insecure: false, timeout: "5m0s" },
    jobservice: { max_job_workers: 10, max_job_duration_hours: 24, job_loggers: ["STD_OUTPUT", "FILE"], logger_sweeper_duration: 1 },
    notification: { webhook_job_max_retry: 3, webhook_job_http_client_timeout: 3 },
    log: { level: "info", local: { rotate_count: 50, rotate_size: "200M", location: "/var/log/harbor" } },
    _version: HARBOR_TEMPLATE_VERSION,
    proxy: { http_proxy: null, https_proxy: null, no_proxy: null, components: ["core", "jobservice", "registry", "trivy"] },
    upload_purging: { enabled: true, age: "168h", interval: "24h", dryrun: false },
    cache: { enabled: false, expire_hours: 24 },
  });
  doc.commentBefore = [
    " harbor.yml written by `regcert registry-config --server harbor` for Harbor's installer:",
    " put it next to install.sh, then run: sudo ./install.sh (it runs ./prepare). Holds the admin",
    " and database passwords: keep it 0600. No http section: Harbor then redirects port 80 to https.",
  ].join("\n");
  return doc.toString();
}

/** Reads the passwords of an existing harbor.yml so a re-run keeps them (undefined when absent or unreadable). */
export function existingHarborSecrets(text: string | undefined): { adminPassword?: string; databasePassword?: string } {
  if (text === undefined) return {};
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return {};
  const admin = doc.getIn(["harbor_admin_password"]);
  const db = doc.getIn(["database", "password"]);
  return { ...(typeof admin === "string" ? { adminPassword: admin } : {}), ...(typeof db === "string" ? { databasePassword: db } : {}) };
}
