#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# bench/detect.sh - the stall: does spinning or yielding catch more races?
# (see BENCHMARKS.md, "Detection: delay_mode=spin vs yield")
#
# usage: bench/detect.sh
#
# Runs racy programs R times per configuration with KCSAN_OPTIONS=delay_mode=spin
# and delay_mode=yield (all other options at their defaults), alternating the
# two modes run by run so that machine noise hits both alike. A run "detects"
# if its stderr contains "BUG: KCSAN: data-race". For each configuration it
# prints the detection probability with a Wilson 95% interval and the mean
# CPU time (user+sys) per run, then a pooled comparison with a two-sided
# two-proportion z-test.
#
# Programs (built with `kcsan cc -O2 -g`):
#   datarace      examples/c/datarace.c --race=plain_rw --iter1 N --iter2 N:
#                 one reader and one writer of one word (2 racing threads)
#   racy_threads  bench/racy_threads.c T N: T threads each doing N plain
#                 read+write iterations of one shared counter
#
# Then the price of the stall on a race-free program: bench/fastpath.c's loop
# workload (kcsan defaults, so every ~2000th read is watched and stalls) with
# 2 and with 8 threads, median CPU and wall time of COST_RUNS runs per mode.
#
# Environment knobs (defaults in brackets):
#   R [40]                           runs per configuration and mode
#   COST_RUNS [5]                    runs per mode for the cost table
#   DATARACE_N [20000 100000]        datarace iteration counts
#   RACY2_N [10000 50000]            racy_threads T=2 iteration counts
#   RACY8_N [2000 10000]             racy_threads T=8 iteration counts
# The N were chosen so that detection is neither ~0% nor ~100% on the 2-vCPU
# development VM; on other machines adjust them.
#
# Output also saved to bench/out/report-detect.txt.

set -euo pipefail

NAME=detect.sh
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

case "${1:-}" in
"") ;;
-h | --help)
	usage
	exit 0
	;;
*) die "unexpected argument '$1' (see --help)" ;;
esac

KCSAN="$TARGET_DIR/release/kcsan"

R=${R:-40}
COST_RUNS=${COST_RUNS:-5}
DATARACE_N=${DATARACE_N:-20000 100000}
RACY2_N=${RACY2_N:-10000 50000}
RACY8_N=${RACY8_N:-2000 10000}

[[ "$R" =~ ^[1-9][0-9]*$ ]] || die "R must be a positive integer (got '$R')"
[[ "$COST_RUNS" =~ ^[1-9][0-9]*$ ]] || die "COST_RUNS must be a positive integer (got '$COST_RUNS')"
for tool in gcc cargo awk grep; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed"
done
unset KCSAN_OPTIONS TSAN_OPTIONS

mkdir -p "$OUT"
REPORT="$OUT/report-detect.txt"
: >"$REPORT"
exec > >(tee -a "$REPORT") 2>&1

echo "== build"
(cd "$ROOT" && cargo build --release -p kcsan-rt -p kcsan-cli) || die "cargo build --release failed"
[ -x "$KCSAN" ] || die "the kcsan wrapper $KCSAN was not built"
gcc -O2 -Wall -Wextra "$BENCH/cputime.c" -o "$OUT/cputime" || die "cannot build cputime"
"$KCSAN" cc -O2 -g "$ROOT/examples/c/datarace.c" -o "$OUT/datarace" -pthread ||
	die "kcsan cc failed on examples/c/datarace.c"
"$KCSAN" cc -O2 -g "$BENCH/racy_threads.c" -o "$OUT/racy_threads" -pthread ||
	die "kcsan cc failed on bench/racy_threads.c"
"$KCSAN" cc -O2 "$BENCH/fastpath.c" -o "$OUT/fastpath_kcsan_cc" -pthread ||
	die "kcsan cc failed on bench/fastpath.c"
CPUTIME="$OUT/cputime"

echo
echo "== machine: $(uname -srm); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $R runs per configuration and mode; a run detects if stderr has 'BUG: KCSAN: data-race'"

RES="$OUT/results-detect"
rm -rf "$RES"
mkdir -p "$RES"

# run_config KEY CMD...: R runs with each mode, alternating; appends
# "detected cpu_us" lines to $RES/KEY.<mode>.
run_config() {
	local key=$1
	shift
	local i mode
	for ((i = 0; i < R; i++)); do
		for mode in spin yield; do
			local res="$RES/$key.$mode.last" err="$RES/$key.$mode.err" status=0 det=0
			rm -f "$res"
			KCSAN_OPTIONS="delay_mode=$mode" "$CPUTIME" -o "$res" -- "$@" >/dev/null 2>"$err" || status=$?
			if [ "$status" != 0 ]; then
				echo "detect.sh: run failed (exit $status): KCSAN_OPTIONS=delay_mode=$mode $*" >&2
				head -20 "$err" >&2
				die "benchmark run failed"
			fi
			grep -q 'BUG: KCSAN: data-race' "$err" && det=1
			echo "$det $(tail -n 1 "$res" | tr ' ' '\n' | awk -F= '$1 == "cpu_us" {print $2}')" >>"$RES/$key.$mode"
		done
	done
}

CONFIGS=()
LABELS=()
for n in $DATARACE_N; do
	CONFIGS+=("datarace.$n")
	LABELS+=("datarace (2 thr)|2|$n")
	run_config "datarace.$n" "$OUT/datarace" --race=plain_rw --iter1 "$n" --iter2 "$n"
	printf '.'
done
for n in $RACY2_N; do
	CONFIGS+=("racy2.$n")
	LABELS+=("racy_threads|2|$n")
	run_config "racy2.$n" "$OUT/racy_threads" 2 "$n"
	printf '.'
done
for n in $RACY8_N; do
	CONFIGS+=("racy8.$n")
	LABELS+=("racy_threads|8|$n")
	run_config "racy8.$n" "$OUT/racy_threads" 8 "$n"
	printf '.'
done
echo

# The stall's price on a race-free program, same total work for T=2 and T=8.
COST_CONFIGS=("2 10000000" "8 2500000")
for cfg in "${COST_CONFIGS[@]}"; do
	read -r t n <<<"$cfg"
	for ((i = 0; i <= COST_RUNS; i++)); do # run 0 is a warm-up
		for mode in spin yield; do
			res="$RES/cost.$t.$mode.last"
			rm -f "$res"
			KCSAN_OPTIONS="delay_mode=$mode" "$CPUTIME" -o "$res" -- "$OUT/fastpath_kcsan_cc" "$n" loop "$t" \
				>/dev/null 2>"$RES/cost.err" || die "fastpath run failed: $(head -5 "$RES/cost.err")"
			[ "$i" -gt 0 ] && tail -n 1 "$res" | tr ' ' '\n' |
				awk -F= '$1 == "cpu_us" {c = $2} $1 == "wall_us" {w = $2} END {print c, w}' >>"$RES/cost.$t.$mode"
		done
	done
	printf '.'
done
echo

# stats FILE: "runs detected p lo hi mean_cpu_ms mean_cpu_ms_of_runs_without_report"
# with the Wilson 95% interval ("-" when every run reported).
stats() {
	awk '{ n++; k += $1; cpu += $2; if (!$1) { n0++; cpu0 += $2 } }
	END {
		z = 1.959964; p = k / n
		d = 1 + z * z / n
		c = (p + z * z / (2 * n)) / d
		h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
		lo = c - h; hi = c + h
		if (lo < 0) lo = 0
		if (hi > 1) hi = 1
		printf "%d %d %.3f %.3f %.3f %.1f %s\n", n, k, p, lo, hi, cpu / n / 1000, n0 ? sprintf("%.1f", cpu0 / n0 / 1000) : "-"
	}' "$1"
}

# ztest K1 N1 K2 N2: two-sided p-value of the two-proportion z-test.
ztest() {
	awk -v k1="$1" -v n1="$2" -v k2="$3" -v n2="$4" '
	function phi(x,   t, y) { # standard normal CDF (Abramowitz-Stegun 26.2.17)
		t = 1 / (1 + 0.2316419 * (x < 0 ? -x : x))
		y = 1 - exp(-x * x / 2) / sqrt(2 * 3.14159265358979) * t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))))
		return x < 0 ? 1 - y : y
	}
	BEGIN {
		p = (k1 + k2) / (n1 + n2)
		se = sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
		if (se == 0) { print "1.000"; exit }
		z = (k1 / n1 - k2 / n2) / se
		printf "%.4f\n", 2 * (1 - phi(z < 0 ? -z : z))
	}'
}

printf '\n%-18s %3s %7s  %-5s %5s %5s %8s  %-15s %12s %14s\n' program T N mode runs det "P(det)" "Wilson 95%" "mean CPU ms" "(no report)"
tot_k_spin=0 tot_n_spin=0 tot_k_yield=0 tot_n_yield=0
for idx in "${!CONFIGS[@]}"; do
	IFS='|' read -r prog threads n <<<"${LABELS[idx]}"
	for mode in spin yield; do
		read -r runs k p lo hi cpu cpu0 <<<"$(stats "$RES/${CONFIGS[idx]}.$mode")"
		printf '%-18s %3s %7s  %-5s %5d %5d %8.3f  [%.3f, %.3f] %12.1f %14s\n' "$prog" "$threads" "$n" "$mode" "$runs" "$k" "$p" "$lo" "$hi" "$cpu" "$cpu0"
		if [ "$mode" = spin ]; then
			tot_k_spin=$((tot_k_spin + k)) tot_n_spin=$((tot_n_spin + runs))
		else
			tot_k_yield=$((tot_k_yield + k)) tot_n_yield=$((tot_n_yield + runs))
		fi
	done
	read -r _ ks _ <<<"$(stats "$RES/${CONFIGS[idx]}.spin")"
	read -r _ ky _ <<<"$(stats "$RES/${CONFIGS[idx]}.yield")"
	printf '%-18s %3s %7s  spin vs yield: two-proportion z-test p = %s\n' "" "" "" "$(ztest "$ks" "$R" "$ky" "$R")"
done

echo
echo "pooled over all configurations:"
for mode in spin yield; do
	if [ "$mode" = spin ]; then k=$tot_k_spin n=$tot_n_spin; else k=$tot_k_yield n=$tot_n_yield; fi
	awk -v k="$k" -v n="$n" -v m="$mode" 'BEGIN {
		z = 1.959964; p = k / n; d = 1 + z * z / n
		c = (p + z * z / (2 * n)) / d; h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
		printf "  %-5s %4d / %4d runs detected: %.3f [%.3f, %.3f]\n", m, k, n, p, c - h, c + h }'
done
echo "  spin vs yield: two-proportion z-test p = $(ztest "$tot_k_spin" "$tot_n_spin" "$tot_k_yield" "$tot_n_yield")"
echo "(pooling mixes configurations of different difficulty; the per-configuration rows are the evidence)"
echo "(mean CPU ms includes the reports: symbolizing a report's stacks costs ~100 ms of CPU; the"
echo " '(no report)' column is the mean over the runs that printed no data-race report)"

echo
echo "the stall's price on a race-free program (bench/fastpath.c loop, kcsan defaults):"
printf '%3s %9s  %-5s %14s %14s\n' T "N/thread" mode "median CPU ms" "median wall ms"
for cfg in "${COST_CONFIGS[@]}"; do
	read -r t n <<<"$cfg"
	for mode in spin yield; do
		cpu=$(awk '{print $1}' "$RES/cost.$t.$mode" | sort -n | awk '{v[NR] = $1} END {print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 / 1000}')
		wall=$(awk '{print $2}' "$RES/cost.$t.$mode" | sort -n | awk '{v[NR] = $1} END {print (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2 / 1000}')
		printf '%3s %9s  %-5s %14.1f %14.1f\n' "$t" "$n" "$mode" "$cpu" "$wall"
	done
done
echo "(same total work, 2 x 10M = 8 x 2.5M loop iterations = 40M instrumented accesses; $COST_RUNS runs per mode after a warm-up)"
