#!/usr/bin/env bash
# Runs every fuzz target for SECS seconds (default 60) from the seed corpus in fuzz/corpus, on the
# stable toolchain (no sanitizer: `-s none`; Rust code needs none to find panics). New inputs go
# to a scratch directory, never into the repository; a crash leaves its input in
# fuzz/artifacts/<target>/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in soap_envelope rest_json smpp_frame sim_smpp_frame; do
    mkdir -p "$scratch/$target"
    echo "fuzz: $target for ${secs}s"
    if ! cargo fuzz run --sanitizer none --release "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 >"$scratch/$target.log" 2>&1; then
        tail -40 "$scratch/$target.log"
        exit 1
    fi
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^Done" "$scratch/$target.log" || true
done
