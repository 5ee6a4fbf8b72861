#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every test.
# Release mode: the runtime's fast path is what the C scenario tests exercise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --release --workspace
