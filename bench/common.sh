# SPDX-License-Identifier: MIT OR Apache-2.0
# bench/common.sh - what run.sh and detect.sh share: error exit, --help from
# the script's header comment, and the repository's paths. Sourced, not run;
# the sourcing script sets NAME first.

die() {
	echo "$NAME: error: $*" >&2
	exit 1
}

# Prints the calling script's header comment (its usage).
usage() {
	awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
}

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
OUT="$BENCH/out"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
