#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# bench/corpus.sh - the detection benchmark: the racy corpus (bench/corpus/racy)
# and its clean twins (bench/corpus/clean), see BENCHMARKS.md, "Racy and clean
# corpora".
#
# usage: bench/corpus.sh [kcsan-bench corpus options]
#
# Builds every corpus program with kcsan and runs each --runs times per
# configuration; prints per racy program the detection probability (Wilson
# 95% interval) and the mean time to the first report. Any report from a
# clean program is a false positive: it is printed and the exit status is 1.
# Useful options (all in --help):
#   --runs N                       runs per program and configuration [20]
#   --config NAME=KCSAN_OPTIONS    measure another kcsan configuration
#   --configs a,b                  which configurations [defaults,kernel]
#   --programs a,b / --only racy   a subset
#   --strict                       also fail when a race is caught in < 90% of runs
#   --write-benchmarks             rewrite the tables in BENCHMARKS.md
# Takes about 10 minutes on the 2-vCPU development VM with the defaults.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -p kcsan-bench -p kcsan-rt -p kcsan-cli -p cargo-kcsan
exec target/release/kcsan-bench corpus --no-build "$@"
