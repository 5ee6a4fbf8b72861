#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# bench/rust.sh - the fast-path cost of the runtime as cargo kcsan links it
# into Rust programs, against the C build (BENCHMARKS.md, "Rust programs").
#
# usage: bench/rust.sh [RUNS]   (RUNS: timed runs per variant, default 5)
#
#  1. bench/fastpath.c's loop, compiled ONCE with gcc's tsan instrumentation,
#     linked with each form of the runtime: the static archive (what
#     `kcsan cc` links), the localized object (what `cargo kcsan` links into
#     Rust programs), and the cdylib (shared library, global-dynamic TLS);
#  2. bench/rust-loop, the same loop in Rust: plain `cargo build` and
#     `cargo kcsan build` (stable route).
# Prints the median CPU time (user+sys) for N = 25M iterations per thread
# (100M accesses) and callgrind instructions per access,
# (Ir(2n) - Ir(n)) / (accesses(2n) - accesses(n)), n = 1M. Like run.sh's
# variant (a), the runs use KCSAN_OPTIONS=first_watches=0:skip_watch=2^40: the fast path
# alone, without the stalls (which spin for wall-clock time, so their cost
# is neither the fast path's nor deterministic under callgrind).
set -euo pipefail
NAME=rust.sh
# shellcheck source=bench/common.sh
source "$(dirname "$0")/common.sh"
case "${1:-}" in -h | --help) usage; exit 0 ;; esac
RUNS=${1:-5}
N=25000000
CG_N=1000000
W="$OUT/rust"
export KCSAN_OPTIONS="first_watches=0:skip_watch=1099511627776:skip_watch_randomize=0"
mkdir -p "$W"

(cd "$ROOT" && cargo build --release --quiet -p kcsan-rt -p cargo-kcsan) || die "cargo build failed"
REL="$TARGET_DIR/release"
RT_A="$REL/libkcsan_rt.a"
RT_O=$("$REL/cargo-kcsan" kcsan runtime) || die "cargo kcsan runtime failed"

gcc -O2 "$BENCH/cputime.c" -o "$W/cputime"
gcc -O2 -fsanitize=thread --param tsan-instrument-func-entry-exit=0 -c "$BENCH/fastpath.c" -o "$W/fastpath_tsan.o"
gcc -O2 "$BENCH/fastpath.c" -pthread -o "$W/c_plain"
gcc "$W/fastpath_tsan.o" "$RT_A" -pthread -ldl -lm -lrt -lgcc_s -o "$W/c_static"
gcc "$W/fastpath_tsan.o" "$RT_O" -pthread -ldl -lm -lrt -lgcc_s -o "$W/c_rustobj"
gcc "$W/fastpath_tsan.o" -L"$REL" -lkcsan_rt -Wl,-rpath,"$REL" -pthread -o "$W/c_cdylib"

(cd "$BENCH/rust-loop" && CARGO_TARGET_DIR="$W/cargo" cargo build --release --quiet) || die "rust-loop: cargo build failed"
(cd "$BENCH/rust-loop" && CARGO_TARGET_DIR="$W/cargo" PATH="$REL:$PATH" cargo kcsan build --release --quiet) ||
	die "rust-loop: cargo kcsan build failed"
cp "$W/cargo/release/rust-loop" "$W/rust_plain"
cp "$W/cargo/kcsan/x86_64-unknown-linux-gnu/release/rust-loop" "$W/rust_kcsan"

median() {
	sort -n | awk '{v[NR] = $1} END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cpu_ms PROG ARGS...: median CPU ms of RUNS runs.
cpu_ms() {
	for _ in $(seq "$RUNS"); do
		rm -f "$W/res"
		"$W/cputime" -o "$W/res" -- "$@" >/dev/null 2>"$W/err" || die "$* failed: $(head -3 "$W/err")"
		grep -q 'BUG: KCSAN' "$W/err" && echo "$NAME: warning: $1 reported a race" >&2
		tail -n 1 "$W/res" | tr ' ' '\n' | awk -F= '$1 == "cpu_us" {print $2 / 1000}'
	done | median
}

# ir PROG ARGS...: callgrind's total instruction count.
ir() {
	valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" "$@" >/dev/null 2>"$W/cg.err" || die "valgrind failed on $*"
	awk '/^(summary|totals):/ {print $2; exit}' "$W/cg.out"
}

printf '%-48s %9s %11s %13s\n' variant "CPU ms" "vs C static" "instr/access"
base=""
for v in c_plain:"C, not instrumented" c_static:"C + libkcsan_rt.a (kcsan cc)" \
	c_rustobj:"C + libkcsan_rt-rust.o (cargo kcsan's object)" c_cdylib:"C + libkcsan_rt.so (cdylib)" \
	rust_plain:"Rust, cargo build" rust_kcsan:"Rust, cargo kcsan build (stable route)"; do
	bin=${v%%:*} label=${v#*:}
	case $bin in c_*) args=(loop) ;; *) args=() ;; esac
	ms=$(cpu_ms "$W/$bin" "$N" "${args[@]}")
	[ "$bin" = c_static ] && base=$ms
	if command -v valgrind >/dev/null; then
		i1=$(ir "$W/$bin" "$CG_N" "${args[@]}")
		i2=$(ir "$W/$bin" $((2 * CG_N)) "${args[@]}")
		per=$(awk -v a="$i1" -v b="$i2" -v n="$CG_N" 'BEGIN { printf "%.1f", (b - a) / (4 * n) }')
	else
		per=-
	fi
	rel=$(awk -v a="$ms" -v b="$base" 'BEGIN { if (b == "") print "-"; else printf "%.2fx", a / b }')
	printf '%-48s %9s %11s %13s\n' "$label" "$ms" "$rel" "$per"
done
