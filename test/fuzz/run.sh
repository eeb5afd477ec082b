#!/usr/bin/env bash
# `npm run fuzz -- [--seed S] [--ops N] [--trace K] [--runtime deno|bun]`: the seeded operation
# fuzzer (test/fuzz/fuzzer.ts) against the safety-checked build, in one runtime or (by default) both.
# Without --seed each run picks a random one and prints it; a failure prints the replay command.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/.ci/versions"
export OFFHEAP_LIB="$root/zig/zig-out/safe/lib/liboffheap.so"
runtimes=(deno bun)
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runtime) runtimes=("$2"); shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ " ${args[*]-} " != *" --seed "* ]]; then args+=(--seed "$((RANDOM * 32768 + RANDOM))"); fi
for runtime in "${runtimes[@]}"; do
  case "$runtime" in
    deno) deno run -A "$root/test/fuzz/fuzzer.ts" "${args[@]}" ;;
    bun) bun "$root/test/fuzz/fuzzer.ts" "${args[@]}" ;;
    *) echo "usage: npm run fuzz -- [--seed S] [--ops N] [--trace K] [--runtime deno|bun]" >&2; exit 2 ;;
  esac
done
