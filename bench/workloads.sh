#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# bench/workloads.sh - the workload suite: what kcsan costs on real programs
# (see BENCHMARKS.md, "Workload suite").
#
# usage: bench/workloads.sh [kcsan-bench workloads options]
#
# Builds kcsan-bench and the runtime (cargo build --release), fetches the C
# sources of zstd-sys, libsqlite3-sys, libz-sys and lz4-sys from crates.io,
# builds each workload plain, with libtsan and with kcsan, and runs them side
# by side. Useful options (all in --help):
#   --runs N                       timed rounds after the warm-up [3]
#   --config NAME=KCSAN_OPTIONS    measure another kcsan configuration
#   --configs a,b                  which configurations [fastpath,kernel,defaults]
#   --workloads zstd,sqlite,...    which workloads [all]
#   --write-benchmarks             rewrite the table in BENCHMARKS.md
# Takes about 12 minutes on the 2-vCPU development VM (libtsan dominates).

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -p kcsan-bench -p kcsan-rt -p kcsan-cli -p cargo-kcsan
exec target/release/kcsan-bench workloads --no-build "$@"
