#!/usr/bin/env bash
# Open-ended fuzzing of the parsers that take user input (KCSAN_OPTIONS,
# suppressions files, live-control commands) with cargo-fuzz and libFuzzer.
# CI runs the seeded versions of the same properties (kcsan-core's `fuzz`
# unit tests); this is for longer runs.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cd fuzz
for target in options suppressions control; do
    echo "== $target ($secs s)"
    cargo +nightly fuzz run "$target" -- -max_total_time="$secs" -max_len=4096
done
