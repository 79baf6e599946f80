#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time, from the committed seed corpora
# (fuzz/corpus/<target>/seed-*, made from tests/fixtures), and prints each target's execution
# count. A crash fails the script; libFuzzer leaves the input in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh              # 30 s per target
#   scripts/fuzz.sh 600          # 10 min per target (the README's figures)
#   scripts/fuzz.sh 60 signature # one target
#
# Works on stable Rust: `--sanitizer none` needs no nightly `-Z` flag, and Firebreak forbids
# `unsafe`, so AddressSanitizer would add little; panics and failed assertions are the crashes.
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
seconds="${1:-30}"
shift || true
# libFuzzer reads 0 as "no limit": insist on a bound.
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/fuzz.sh [seconds >= 1] [target...]" >&2; exit 2; }

if ! command -v cargo-fuzz >/dev/null; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked --version 0.13.2
fi

if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi

echo "==> building fuzz targets (release, coverage-instrumented, no sanitizer)"
cargo fuzz build --sanitizer none

# New inputs go to a scratch directory; the committed seeds are only read.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
summary=()
for target in "${targets[@]}"; do
  echo "==> fuzzing $target for ${seconds}s"
  mkdir -p "$scratch/$target" "corpus/$target"
  log="$scratch/$target.log"
  if ! cargo fuzz run --sanitizer none "$target" "$scratch/$target" "corpus/$target" -- \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz target $target failed; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  summary+=("$(printf '%-16s %12s executions in %ss' "$target" "${runs:-?}" "$seconds")")
done

echo "==> fuzzing finished $(date -u +%Y-%m-%d), no crash"
printf '%s\n' "${summary[@]}"
