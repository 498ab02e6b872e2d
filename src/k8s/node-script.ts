/**
 * The shell script the node-trust DaemonSet runs: the install-trust plan rendered as data (directories,
 * then mode / ConfigMap key / path for every file) plus a small, fixed interpreter for busybox `sh`.
 * It writes exactly what `regcert install-trust --root ROOT` writes for the same hosts and targets,
 * byte for byte, and changes nothing when run again:
 * - directories the plan creates get mode 0755, parents first; existing ones are left as they are;
 * - a file whose bytes and mode already match is not touched (mtime kept); otherwise it is written
 *   to a temp file beside it and renamed over (a reader never sees half a file);
 * - at and below each certs.d directory (the plan's guards, which are also the only host mounts),
 *   a symlink is refused, as install-trust refuses it;
 * - `check` (the readiness probe) fails while any file differs, so `kubectl rollout status` and
 *   `kubectl get ds` show nodes where trust is not (or no longer) in place.
 * Applets used: sh, printf, cmp, cat, chmod, mkdir, mv, rm, stat, sleep (all in busybox).
 */
import type { TrustPlan } from "../trust/types.js";

/** Where the node's / is mounted in the pod, and the ConfigMap. The script takes both from the environment. */
export const NODE_ROOT = "/host";
export const CONFIG_MOUNT = "/regcert";
export const SCRIPT_KEY = "install.sh";
/** Seconds between re-checks in `run` mode: a file deleted or edited on a node comes back within this. */
export const RECHECK_SECONDS = 300;

export interface ScriptFile {
  /** octal mode without a leading zero, as `stat -c %a` prints it: "644" */
  mode: string;
  key: string;
  path: string;
}

export interface ScriptInput {
  guards: string[];
  directories: string[];
  files: ScriptFile[];
  hosts: string[];
  targets: string[];
}

/** Paths in the plan are validated host names under fixed prefixes; this proves they need no quoting in the table. */
const SAFE_PATH = /^\/[A-Za-z0-9._:[\]/-]+$/;

export function assertScriptSafe(path: string): void {
  if (!SAFE_PATH.test(path) || path.includes("/../") || path.endsWith("/..")) throw new Error(`internal: unsafe path in node-trust script: ${JSON.stringify(path)}`);
}

/** Renders the script. Deterministic: the same input gives the same bytes. */
export function renderNodeScript(input: ScriptInput): string {
  for (const p of [...input.guards, ...input.directories, ...input.files.map((f) => f.path)]) assertScriptSafe(p);
  for (const f of input.files) if (!/^[0-7]{3,4}$/.test(f.mode) || !/^[-._a-zA-Z0-9]+$/.test(f.key)) throw new Error(`internal: bad script entry ${JSON.stringify(f)}`);
  const lines = [
    "#!/bin/sh",
    "# Written by regcert k8s node-trust. Installs the files `regcert install-trust` writes for",
    `#   hosts:   ${input.hosts.join(" ")}`,
    `#   targets: ${input.targets.join(",")}`,
    "# Usage: sh install.sh install | check | run",
    `#   REGCERT_ROOT: the node's / as mounted in the pod (default ${NODE_ROOT})`,
    `#   REGCERT_SRC: the ConfigMap as mounted (default ${CONFIG_MOUNT})`,
    "set -u",
    "umask 022",
    `ROOT=\${REGCERT_ROOT:-${NODE_ROOT}}`,
    `SRC=\${REGCERT_SRC:-${CONFIG_MOUNT}}`,
    `INTERVAL=\${REGCERT_INTERVAL:-${RECHECK_SECONDS}}`,
    "",
    "# certs.d directories mounted from the node: no symlink is followed at or below them",
    `GUARDS='${input.guards.join(" ")}'`,
    "",
    "# directories install-trust creates (mode 755), parents first",
    "DIRS='",
    ...input.directories,
    "'",
    "",
    "# mode, ConfigMap key, path on the node",
    "FILES='",
    ...input.files.map((f) => `${f.mode} ${f.key} ${f.path}`),
    "'",
    "",
    "log() { printf 'regcert: %s\\n' \"$*\" >&2; }",
    "",
    "# sh has no local variables: each function keeps to its own names",
    "guard_of() {",
    "  for _go_g in $GUARDS; do",
    '    case $1 in "$_go_g" | "$_go_g"/*) printf %s "$_go_g"; return 0 ;; esac',
    "  done",
    "  return 1",
    "}",
    "",
    "# refuses a symlink at or below the certs.d directory of $1",
    "no_links() {",
    '  _nl_g=$(guard_of "$1") || { log "$1 is outside the mounted certs.d directories"; return 1; }',
    "  _nl_p=$1",
    "  while :; do",
    '    if [ -L "$ROOT$_nl_p" ]; then log "refusing to write through the symlink $_nl_p"; return 1; fi',
    '    [ "$_nl_p" = "$_nl_g" ] && return 0',
    "    _nl_p=${_nl_p%/*}",
    "  done",
    "}",
    "",
    "install_dirs() {",
    "  printf '%s\\n' \"$DIRS\" | {",
    "    rc=0",
    "    while read -r d; do",
    '      [ -n "$d" ] || continue',
    "      # above a certs.d directory (/etc/docker): on a node it exists (the mount's parent); symlinks allowed there",
    '      if guard_of "$d" >/dev/null; then no_links "$d" || { rc=1; break; }; fi',
    '      [ -d "$ROOT$d" ] && continue',
    '      mkdir -p "$ROOT$d" || { rc=1; break; }',
    '      chmod 755 "$ROOT$d" || { rc=1; break; }',
    '      log "created $d"',
    "    done",
    "    exit $rc",
    "  }",
    "}",
    "",
    "# same: 0 when $2 has the bytes of $1 and mode $3",
    "same() {",
    '  [ -f "$2" ] && [ ! -L "$2" ] && cmp -s "$1" "$2" && [ "$(stat -c %a "$2")" = "$3" ]',
    "}",
    "",
    "install_files() {",
    "  printf '%s\\n' \"$FILES\" | {",
    "    rc=0",
    "    while read -r m k p; do",
    '      [ -n "$m" ] || continue',
    '      no_links "$p" || { rc=1; continue; }',
    '      same "$SRC/$k" "$ROOT$p" "$m" && continue',
    '      if [ -d "$ROOT$p" ]; then log "$p is a directory"; rc=1; continue; fi',
    '      tmp="$ROOT$p.regcert-tmp.$$"',
    '      if cat "$SRC/$k" >"$tmp" && chmod "$m" "$tmp" && mv -f "$tmp" "$ROOT$p"; then',
    '        log "wrote $p"',
    "      else",
    '        rm -f "$tmp"; log "failed to write $p"; rc=1',
    "      fi",
    "    done",
    "    exit $rc",
    "  }",
    "}",
    "",
    "check_files() {",
    "  printf '%s\\n' \"$FILES\" | {",
    "    rc=0",
    "    while read -r m k p; do",
    '      [ -n "$m" ] || continue',
    '      same "$SRC/$k" "$ROOT$p" "$m" || { log "not in place: $p"; rc=1; }',
    "    done",
    "    exit $rc",
    "  }",
    "}",
    "",
    "install_all() { install_dirs && install_files; }",
    "",
    'case "${1:-run}" in',
    "  install) install_all ;;",
    "  check) check_files ;;",
    "  run)",
    "    trap 'exit 0' TERM INT",
    "    while :; do",
    '      install_all || log "not everything could be installed; retrying in ${INTERVAL}s"',
    '      sleep "$INTERVAL" &',
    "      wait $!",
    "    done",
    "    ;;",
    '  *) log "usage: sh install.sh install | check | run"; exit 2 ;;',
    "esac",
  ];
  return `${lines.join("\n")}\n`;
}

/** The ScriptInput for a plan (files already keyed; see nodeTrustConfig). */
export function scriptInputOf(plan: TrustPlan, keys: ReadonlyMap<string, string>): ScriptInput {
  const guards = [...new Set(plan.files.map((f) => f.guard))];
  return {
    guards,
    directories: plan.directories.map((d) => d.path),
    files: plan.files.map((f) => ({ mode: f.mode.toString(8), key: keys.get(f.path) as string, path: f.path })),
    hosts: plan.hosts.map((h) => h.hostPort),
    targets: [...plan.targets],
  };
}
