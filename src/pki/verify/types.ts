/**
 * The verify report: the data behind `regcert verify` and its `--json` output (schema
 * "regcert.verify/v1", documented in docs/… and pinned by test/cli/verify-table.test.ts).
 */

export interface VerifyOptions {
  /** DER certificates: the leaf first, then any intermediates (in any order; extra ones are ignored) */
  certificates: Uint8Array[];
  /** DER trusted root certificates (one or more) */
  roots: Uint8Array[];
  /** host names or IP addresses a client would connect to; each must match by SAN */
  hosts: string[];
  /** the validation time; fractional seconds are truncated */
  at: Date;
  /** also fail on RFC 5280 / CA/B Forum profile violations that Go tolerates; default false */
  strict?: boolean;
  /**
   * Where the checked certificate lives, so a re-issue fix writes it there (`--name`, `--out`) instead
   * of the default ./certs/registry.*; without it the fix says to add the --name/--out it was issued with.
   */
  reissue?: { name: string; outDir: string };
}

/** One diagnosis: the catalogue's type (src/pki/findings.ts), shared with `regcert check`. */
export type { Finding } from "../findings.js";
import type { Finding } from "../findings.js";

export interface ChainEntry {
  role: "leaf" | "intermediate" | "root";
  subject: string;
  issuer: string;
  /** hex */
  serial: string;
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
}

export interface VerifyReport {
  /** the verdict: Go's, and with strict also no warnings */
  valid: boolean;
  /** what Go crypto/x509 (Docker, containerd, podman, skopeo) decides */
  goValid: boolean;
  strict: boolean;
  /** validation time used (ISO-8601, whole seconds, UTC) */
  at: string;
  hosts: Array<{ host: string; kind: "dns" | "ip"; matches: boolean }>;
  /** the path found (leaf first), or the best attempt when none is valid */
  chain: ChainEntry[];
  failures: Finding[];
  warnings: Finding[];
  notes: Finding[];
}
