#!/bin/sh
# Quiet installs (#12): runs `npm ci` on a copy of this checkout (git-tracked files only, in a temp
# dir) and fails when npm prints any warning, e.g. "npm warn install-scripts … not yet covered by
# allowScripts"). Slow (a full install): run by hand or in a release check, not in `npm test`.
# Not covered: `npm install -g` of a clone or tarball, where npm 11.19 still lists regcert's own
# `prepare` as an unapproved install script (measured, also with --allow-scripts=regcert).
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
(cd "$repo" && git ls-files -z | xargs -0 cp --parents -t "$work/src")
cp "$repo/package.json" "$repo/package-lock.json" "$work/src/"
cd "$work/src"
npm ci --no-audit --no-fund >"$work/ci.log" 2>&1 || { cat "$work/ci.log"; exit 1; }
if grep -i "warn" "$work/ci.log"; then echo "check-quiet-install: npm ci printed warnings"; exit 1; fi
echo "check-quiet-install: npm ci printed no warnings"
