#!/usr/bin/env bash
# A fuzz campaign: every target of fuzz/ (or those named after the time)
# for SECONDS each (default 3600), one after the other, with the seed corpus
# fuzz/corpus/<target> and a working corpus fuzz/work/<target> that grows.
# Prints each target's executions, coverage and whether it crashed; a crash
# input is in fuzz/artifacts/<target>/ (fix it, then keep it in
# fuzz/regressions/<target>/). Needs cargo-fuzz and the nightly toolchain.
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]
#
# FUZZ_SANITIZER=none builds without AddressSanitizer (a polars tree
# builds in a fraction of the time); debug assertions stay on either way,
# so the survey engine's zero-copy views are checked against the safe
# constructor on every input.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-3600}
flags=(-s "${FUZZ_SANITIZER:-address}" --debug-assertions)
shift || true
[ -f fuzz/Cargo.lock ] || cp Cargo.lock fuzz/Cargo.lock
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi
mkdir -p fuzz/logs
# each target builds only the crates of its reader (fuzz/Cargo.toml)
features() {
  case "$1" in
    csv_records) echo ;;
    survey_export|survey_structure|instrument) echo "--features survey" ;;
    note|refi|boundaries|project_table) echo "--features ingest" ;;
    codebook|gold_files) echo "--features analysis" ;;
    *) echo "--features app" ;;
  esac
}
for t in "${targets[@]}"; do
  # shellcheck disable=SC2046
  cargo +nightly fuzz build "${flags[@]}" "$t" $(features "$t") || exit 1
done
for t in "${targets[@]}"; do
  mkdir -p "fuzz/work/$t"
  # shellcheck disable=SC2046
  cargo +nightly fuzz run "${flags[@]}" "$t" $(features "$t") "fuzz/work/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    > "fuzz/logs/$t.log" 2>&1
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/logs/$t.log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "fuzz/logs/$t.log" | tail -1)
  if [ $status -eq 0 ]; then result=ok; else result="CRASH (see fuzz/logs/$t.log, fuzz/artifacts/$t/)"; fi
  echo "$t: ${runs:-?} executions, ${cov:-cov: ?}, $result"
done
