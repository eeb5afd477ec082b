#!/usr/bin/env bash
# `npm run bench:report`: renders bench/REPORT.md, bench/charts/*.svg and bench/README_TABLE.md from
# the newest results file of each runtime in bench/results (or --results <dir>). Needs no build.
#
#   bash bench/report.sh [--results <dir>] [--out <dir>] [--readme]
#   --readme also writes the table into README.md between its bench-table markers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -x node_modules/.bin/deno ] || bash .ci/bootstrap
source .ci/versions # puts node_modules/.bin on PATH
deno run --allow-read --allow-write bench/report/report.ts "$@"
# The generated Markdown in the project's own format, so `deno fmt --check` stays clean.
out="bench"
while [ $# -gt 0 ]; do
  if [ "$1" = "--out" ]; then out="$2"; fi
  shift
done
deno fmt --quiet "$out/REPORT.md" "$out/README_TABLE.md"
