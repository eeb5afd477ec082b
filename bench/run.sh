#!/usr/bin/env bash
# `npm run bench`: the whole benchmark run on a fresh clone. Bootstraps the pinned tools and the
# native baselines, builds the ReleaseFast library, runs every suite in bench/suites/ under Deno
# and under Bun (mitata tables, then a summary of median ratios per runtime), writes
# bench/results/<timestamp>-<runtime>.json, and renders bench/REPORT.md with its charts.
#
#   bash bench/run.sh [--filter <text>] [--runtime deno|bun] [--quick | --full] [--results <dir>] [--no-report]
#
#   --filter <text>   suites whose name contains <text>; "<suite> <more>" picks cases of one suite;
#                     a text naming no suite picks cases in any suite; "a|b" runs both
#   --runtime <name>  only deno or only bun (default: both)
#   --quick           one case per pattern, for a check in under a minute
#   --full            the sizes and variants suites leave out by default (longer)
#   --results <dir>   where the JSON goes (default bench/results); the smoke test uses a temp dir
#   --no-report       skip bench/report.sh at the end
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

filter=""
runtimes=(deno bun)
mode=() # --quick or --full
results="$root/bench/results"
report=1
while [ $# -gt 0 ]; do
  case "$1" in
    --filter) filter="${2:?--filter needs a value}"; shift 2 ;;
    --runtime)
      case "${2:-}" in deno|bun) runtimes=("$2") ;; *) echo "bench: --runtime must be deno or bun" >&2; exit 2 ;; esac
      shift 2 ;;
    --quick|--full) mode=("$1"); shift ;;
    --results) results="${2:?--results needs a directory}"; shift 2 ;;
    --no-report) report=0; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done

started=$SECONDS
echo "bench: bootstrap" >&2
bash .ci/bootstrap --bench
# The index suite's GloVe vectors (not under --quick: the smoke test never downloads them).
if [ "${mode[*]:-}" != "--quick" ]; then
  bash bench/index/fetch_glove.sh >/dev/null || echo "bench: GloVe not fetched; the index suite uses synthetic data" >&2
fi
echo "bench: ReleaseFast build" >&2
bash .ci/build fast
source .ci/versions # puts node_modules/.bin on PATH

# A private copy of the ReleaseFast library, whatever OFFHEAP_LIB the caller's shell had (a test
# build, say): both runtimes measure the same binary even if zig-out is rebuilt during the run.
snapshot="$(mktemp -d)"
trap 'rm -rf "$snapshot"' EXIT
cp zig/zig-out/lib/liboffheap.so "$snapshot/liboffheap.so"
export OFFHEAP_LIB="$snapshot/liboffheap.so"
# jemalloc's initial-exec TLS needs room in the static TLS block of the runtime that dlopens it.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.rtld.optional_static_tls=65536"
OFFHEAP_BENCH_COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
export OFFHEAP_BENCH_COMMIT

mkdir -p "$results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
# Names this run, so that suites can measure runtime-independent peers once (bench/index/peers.ts);
# a caller may set it to reuse the peers of an earlier run with the same id.
export OFFHEAP_BENCH_RUN="${OFFHEAP_BENCH_RUN:-$stamp-$$}"
args=("${mode[@]}")
[ -n "$filter" ] && args+=(--filter "$filter")
for runtime in "${runtimes[@]}"; do
  out="$results/$stamp-$runtime.json"
  echo "bench: $runtime: running suites${filter:+ matching \"$filter\"}${mode:+ (${mode#--})}" >&2
  case "$runtime" in
    # -A: Deno reads /proc and /sys files (the machine description) only with all permissions, and
    # --allow-ffi grants everything anyway. --expose-gc lets mitata collect garbage between benchmarks.
    deno) deno run -A --v8-flags=--expose-gc bench/main.ts "${args[@]}" --out "$out" ;;
    bun) bun bench/main.ts "${args[@]}" --out "$out" ;;
  esac
done

if [ "$report" = 1 ]; then
  bash bench/report.sh --results "$results"
fi
echo "bench: finished in $((SECONDS - started)) s" >&2
