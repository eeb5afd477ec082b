#!/usr/bin/env bash
# The benchmark smoke test that `npm test` runs: `bench/run.sh --quick` on one small case in both
# runtimes, into a temporary folder, then a structural check of both results files (suites ran,
# every subject has statistics, machine and versions are present). It never judges timings.
#
#   bash bench/smoke.sh [--filter <text>]     (default filter: "alloc pair 1 KiB")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
filter="alloc pair 1 KiB"
if [ "${1:-}" = "--filter" ]; then filter="${2:?--filter needs a value}"; fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
bash bench/run.sh --quick --filter "$filter" --results "$results" --no-report

source .ci/versions # puts node_modules/.bin on PATH
shopt -s nullglob
files=("$results"/*-deno.json "$results"/*-bun.json)
if [ "${#files[@]}" -ne 2 ]; then
  echo "bench smoke: expected one results file per runtime, found ${#files[@]} in $results" >&2
  exit 1
fi
deno run --allow-read bench/check.ts "${files[@]}"
bash bench/report.sh --results "$results" --out "$results" >/dev/null
[ -s "$results/REPORT.md" ] && [ -s "$results/README_TABLE.md" ] && ls "$results"/charts/*.svg >/dev/null \
  || { echo "bench smoke: the report was not rendered" >&2; exit 1; }
echo "bench smoke: ok"
