#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# bench/run.sh - the runtime's cost, measured in one run (see BENCHMARKS.md).
#
# usage: bench/run.sh [all|cpu|mem]          (default: all)
#
#   cpu  One instrumented object (bench/fastpath.c, compiled once) linked five
#        ways and run side by side, interleaved, RUNS times after a warm-up:
#          (a) kcsan, watchpoints effectively off (pure fast path)
#          (b) kcsan, default options
#          (c) empty hooks
#          (d) libtsan
#          (e) plain: the same source compiled without instrumentation
#          (f) model: bench/model_hooks.c, a hand-written C model of the
#              smallest fast path kcsan's design allows (not a detector)
#        and, when clang-22 and lld are installed, kcsan's LTO route
#        (`KCSAN_CC=clang-22 kcsan cc -flto=thin`, fast paths inlined):
#          (g) watchpoints off, (h) defaults, (i) plain clang -flto=thin
#        prints the median CPU time (user+sys, from wait4's rusage) and its
#        ratios, peak RSS, and callgrind instructions per access; then the
#        target checks as PASS/FAIL lines.
#   mem  bench/heap.c with heaps of HEAP_MIB MiB: peak RSS of the kcsan build
#        minus that of the plain build (the runtime's memory), against libtsan.
#
# Environment knobs (defaults in brackets):
#   N [25000000]           fastpath N (loop: 4N instrumented accesses)
#   WORKLOADS [loop sort mutex]
#   RUNS [5]               timed runs per variant (after 1 warm-up)
#   CALLGRIND [1]          0 skips the callgrind column
#   HEAP_MIB [64 256 1024 2048]   heap sizes for plain and kcsan
#   LIBTSAN_MAX_MIB [256]  largest heap run under libtsan (its shadow is ~5x
#                          the heap: 2048 MiB needs ~10 GiB RSS and ~30 s CPU)
#   MEM_RUNS [3]           runs per heap size and variant (median RSS)
#   STRICT [0]             1: exit 1 if a target check fails
#
# Everything is built into bench/out/; the report is also saved to
# bench/out/report-<mode>.txt.

set -euo pipefail

NAME=run.sh
# shellcheck source=bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MODE=${1:-all}
case "$MODE" in
all | cpu | mem) ;;
-h | --help)
	usage
	exit 0
	;;
*) die "unknown mode '$MODE' (expected all, cpu or mem)" ;;
esac

RT="$TARGET_DIR/release/libkcsan_rt.a"

N=${N:-25000000}
WORKLOADS=${WORKLOADS:-loop sort mutex}
RUNS=${RUNS:-5}
CALLGRIND=${CALLGRIND:-1}
HEAP_MIB=${HEAP_MIB:-64 256 1024 2048}
LIBTSAN_MAX_MIB=${LIBTSAN_MAX_MIB:-256}
MEM_RUNS=${MEM_RUNS:-3}
STRICT=${STRICT:-0}

# The options of variant (a): skip_watch's maximum (2^40 accesses between
# watchpoints, i.e. never within a benchmark) without randomisation.
FAST_OPTIONS="first_watches=0:skip_watch=1099511627776:skip_watch_randomize=0"

# The runs must see exactly the options we give them.
unset KCSAN_OPTIONS TSAN_OPTIONS

for tool in gcc cargo nm awk sort; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (needed to build and run the benchmarks)"
done
if [ "$CALLGRIND" = 1 ] && ! command -v valgrind >/dev/null 2>&1; then
	echo "run.sh: valgrind not found: the callgrind column is skipped (apt-get install valgrind)" >&2
	CALLGRIND=0
fi
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 400 ] || die "N must be an integer >= 400 (got '$N')"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer (got '$RUNS')"
[[ "$MEM_RUNS" =~ ^[1-9][0-9]*$ ]] || die "MEM_RUNS must be a positive integer (got '$MEM_RUNS')"

mkdir -p "$OUT"
REPORT="$OUT/report-$MODE.txt"
: >"$REPORT"
# Everything printed from here on also goes to the report file.
exec > >(tee -a "$REPORT") 2>&1

# ---------------------------------------------------------------- build ----

echo "== build"
(cd "$ROOT" && cargo build --release -p kcsan-rt) || die "cargo build --release -p kcsan-rt failed"
[ -f "$RT" ] || die "the runtime archive $RT was not built"

CFLAGS=(-O2 -Wall -Wextra)
TSAN_CFLAGS=(-O2 -fsanitize=thread --param tsan-instrument-func-entry-exit=0)
KCSAN_LIBS=("$RT" -pthread -ldl -lm -lrt -lgcc_s)

# cc ARGS...: run gcc, showing the command.
cc() {
	echo "  gcc $*" | sed "s|$ROOT/||g"
	gcc "$@" || die "gcc failed: gcc $*"
}

cc "${CFLAGS[@]}" "$BENCH/cputime.c" -o "$OUT/cputime"
cc "${CFLAGS[@]}" -c "$BENCH/empty_hooks.c" -o "$OUT/empty_hooks.o"
cc "${CFLAGS[@]}" -c "$BENCH/count_hooks.c" -o "$OUT/count_hooks.o"
cc "${CFLAGS[@]}" -c "$BENCH/model_hooks.c" -o "$OUT/model_hooks.o"
CPUTIME="$OUT/cputime"

# libtsan must be installed for variant (d).
echo 'int main(void){return 0;}' >"$OUT/libtsan_probe.c"
gcc -fsanitize=thread "$OUT/libtsan_probe.c" -o "$OUT/libtsan_probe" 2>/dev/null && "$OUT/libtsan_probe" ||
	die "gcc -fsanitize=thread cannot build and run a program: install libtsan (apt-get install libtsan2)"

# build_variants PROG [no-hooks]: PROG_tsan.o (instrumented, compiled once)
# linked with kcsan, libtsan and (unless no-hooks) the empty, counting and model
# hooks; PROG_plain uninstrumented.
build_variants() {
	local p=$1 hooks=${2:-hooks}
	cc "${TSAN_CFLAGS[@]}" -c "$BENCH/$p.c" -o "$OUT/${p}_tsan.o"
	# Every hook the object needs must be in empty_hooks.o / count_hooks.o.
	local missing
	missing=$(comm -23 <(nm -u "$OUT/${p}_tsan.o" | awk '$2 ~ /^__tsan_/ {print $2}' | sort -u) \
		<(nm --defined-only "$OUT/empty_hooks.o" | awk '{print $3}' | sort -u))
	[ -z "$missing" ] || die "$p.c needs hooks that empty_hooks.c (and count_hooks.c, model_hooks.c) lack: $missing"
	cc "$OUT/${p}_tsan.o" "${KCSAN_LIBS[@]}" -o "$OUT/${p}_kcsan"
	if [ "$hooks" = hooks ]; then
		cc "$OUT/${p}_tsan.o" "$OUT/empty_hooks.o" -pthread -o "$OUT/${p}_empty"
		cc "$OUT/${p}_tsan.o" "$OUT/count_hooks.o" -pthread -o "$OUT/${p}_count"
		cc "$OUT/${p}_tsan.o" "$OUT/model_hooks.o" -pthread -o "$OUT/${p}_model"
	fi
	# gcc's -fsanitize=thread at a link step is for this variant only.
	cc -fsanitize=thread "$OUT/${p}_tsan.o" -pthread -o "$OUT/${p}_libtsan"
	cc "${CFLAGS[@]}" "$BENCH/$p.c" -pthread -o "$OUT/${p}_plain"
}

# build_lto_variants PROG: PROG_kcsan_lto, built on kcsan's LTO route
# (KCSAN_CC=clang-22 kcsan cc -flto=thin: the fast paths inlined into the
# program), and PROG_plain_lto, the same source with clang -flto=thin and no
# instrumentation. Returns 1 (and says why) when clang-22 or lld is missing.
build_lto_variants() {
	local p=$1
	if ! command -v clang-22 >/dev/null || [ ! -x "$(clang-22 -print-prog-name=ld.lld)" ]; then
		echo "  (no clang-22 with lld: the LTO route's variants (g)-(i) are skipped; scripts/setup.sh installs them)"
		return 1
	fi
	(cd "$ROOT" && cargo build --release -p kcsan-cli) || die "cargo build --release -p kcsan-cli failed"
	echo "  KCSAN_CC=clang-22 kcsan cc -O2 -flto=thin bench/$p.c"
	KCSAN_CC=clang-22 "$TARGET_DIR/release/kcsan" cc -O2 -flto=thin "$BENCH/$p.c" -o "$OUT/${p}_kcsan_lto" ||
		die "kcsan cc on the LTO route failed"
	echo "  clang-22 -O2 -flto=thin -fuse-ld=lld bench/$p.c"
	clang-22 "${CFLAGS[@]}" -flto=thin -fuse-ld=lld "$BENCH/$p.c" -pthread -o "$OUT/${p}_plain_lto" ||
		die "clang-22 -flto=thin failed"
}

# ------------------------------------------------------------- helpers ----

# median FILE: median of the numbers in FILE, one per line.
median() {
	sort -n "$1" | awk '{v[NR] = $1} END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# field NAME FILE: the value of NAME=... in cputime's last line in FILE.
field() {
	tail -n 1 "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'
}

# run_one LABEL OPTIONS RESULT_FILE ERR_FILE CMD...: one measured run.
# OPTIONS is the KCSAN_OPTIONS value ("" = defaults).
run_one() {
	local label=$1 options=$2 res=$3 err=$4
	shift 4
	local status=0
	rm -f "$res"
	if [ -n "$options" ]; then
		KCSAN_OPTIONS=$options "$CPUTIME" -o "$res" -- "$@" >/dev/null 2>"$err" || status=$?
	else
		"$CPUTIME" -o "$res" -- "$@" >/dev/null 2>"$err" || status=$?
	fi
	if [ "$status" != 0 ]; then
		echo "run.sh: '$label' failed (exit $status): $*" >&2
		sed 's/^/    /' "$err" | head -20 >&2
		die "benchmark run failed"
	fi
	if grep -q -e 'BUG: KCSAN' -e 'WARNING: ThreadSanitizer' "$err"; then
		echo "run.sh: warning: '$label' reported a race in a race-free benchmark:" >&2
		head -5 "$err" | sed 's/^/    /' >&2
	fi
}

# callgrind_ir OPTIONS CMD...: total instructions (Ir) of one run under
# callgrind, or "nan" (with a warning) if valgrind fails.
callgrind_ir() {
	local options=$1 cgout="$OUT/callgrind.out" status=0
	shift
	rm -f "$cgout"
	if [ -n "$options" ]; then
		KCSAN_OPTIONS=$options valgrind --tool=callgrind --callgrind-out-file="$cgout" "$@" >/dev/null 2>"$OUT/callgrind.err" || status=$?
	else
		valgrind --tool=callgrind --callgrind-out-file="$cgout" "$@" >/dev/null 2>"$OUT/callgrind.err" || status=$?
	fi
	if [ "$status" != 0 ] || [ ! -s "$cgout" ]; then
		echo "run.sh: warning: valgrind --tool=callgrind failed on $* (see bench/out/callgrind.err)" >&2
		echo nan
		return 0
	fi
	awk '/^(summary|totals):/ {print $2; exit}' "$cgout"
}

# count_accesses N WORKLOAD: instrumented accesses of one fastpath run.
count_accesses() {
	"$OUT/fastpath_count" "$1" "$2" 2>&1 >/dev/null | awk -F= '/^instrumented_accesses=/ {print $2}'
}

# ratio A B: A/B formatted "1.23x" (or "-" when B is 0).
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2fx", a / b }'
}

FAILED=0
# check NAME VALUE LIMIT: print a PASS/FAIL line for VALUE <= LIMIT.
check() {
	local verdict
	verdict=$(awk -v v="$2" -v l="$3" 'BEGIN { print (v + 0 <= l + 0) ? "PASS" : "FAIL" }')
	[ "$verdict" = PASS ] || FAILED=$((FAILED + 1))
	printf '%s  %s\n' "$verdict" "$1"
}

# ------------------------------------------------------------------ cpu ----

cpu_mode() {
	build_variants fastpath

	local names=(a b c d e f)
	local labels=("(a) kcsan, watchpoints off" "(b) kcsan, defaults" "(c) empty hooks" "(d) libtsan" "(e) plain (no instr.)" "(f) C model of fast path")
	local bins=(kcsan kcsan empty libtsan plain model)
	local opts=("$FAST_OPTIONS" "" "" "" "" "")
	if build_lto_variants fastpath; then
		names+=(g h i)
		labels+=("(g) kcsan LTO, wp off" "(h) kcsan LTO, defaults" "(i) plain, clang LTO")
		bins+=(kcsan_lto kcsan_lto plain_lto)
		opts+=("$FAST_OPTIONS" "" "")
	fi
	local res="$OUT/results"
	rm -rf "$res"
	mkdir -p "$res"

	echo
	echo "== cpu: machine"
	echo "  $(uname -srm); $(nproc) CPUs; $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "  $(gcc --version | head -1); load average $(cut -d' ' -f1-3 /proc/loadavg)"

	local w
	for w in $WORKLOADS; do
		case "$w" in loop | sort | mutex) ;; *) die "unknown workload '$w'" ;; esac
		local accesses
		accesses=$(count_accesses "$N" "$w")
		echo
		echo "== cpu: workload '$w', N=$N: $accesses instrumented accesses per run; 1 warm-up + $RUNS runs per variant, interleaved"
		local rep i
		for ((rep = 0; rep <= RUNS; rep++)); do
			for i in "${!names[@]}"; do
				local r="$res/$w.${names[i]}"
				run_one "${labels[i]} $w" "${opts[i]}" "$r.last" "$r.err" "$OUT/fastpath_${bins[i]}" "$N" "$w"
				if [ "$rep" -gt 0 ]; then # rep 0 is the warm-up
					field cpu_us "$r.last" >>"$r.cpu"
					field maxrss_kib "$r.last" >>"$r.rss"
				fi
			done
			printf '.'
		done
		echo

		# Callgrind: instructions per access, from the difference between runs at
		# n and 2n (start-up and exit cancel out). Deterministic.
		# n: loop and mutex 250000 (1M and ~0.27M accesses); sort 500000 (2 rounds
		# per thread: sort only runs whole rounds of N/250000).
		local cg_n=250000 cg=()
		[ "$w" = sort ] && cg_n=500000
		if [ "$CALLGRIND" = 1 ]; then
			local acc1 acc2
			acc1=$(count_accesses "$cg_n" "$w")
			acc2=$(count_accesses $((2 * cg_n)) "$w")
			for i in "${!names[@]}"; do
				# (b) spins on the clock while it stalls: its count measures time, not work.
				if [ "${names[i]}" = b ] || [ "${names[i]}" = h ]; then
					cg[i]="n/a"
					continue
				fi
				local ir1 ir2
				ir1=$(callgrind_ir "${opts[i]}" "$OUT/fastpath_${bins[i]}" "$cg_n" "$w")
				ir2=$(callgrind_ir "${opts[i]}" "$OUT/fastpath_${bins[i]}" $((2 * cg_n)) "$w")
				cg[i]=$(awk -v a="$ir1" -v b="$ir2" -v x="$acc1" -v y="$acc2" \
					'BEGIN { if (y - x > 0 && a != "nan" && b != "nan") printf "%.1f", (b - a) / (y - x); else print "-" }')
			done
		fi

		local cpu=() rss=()
		for i in "${!names[@]}"; do
			cpu[i]=$(median "$res/$w.${names[i]}.cpu")
			rss[i]=$(median "$res/$w.${names[i]}.rss")
		done
		local plain=${cpu[4]} empty=${cpu[2]} tsan=${cpu[3]}
		printf '%-27s %9s %9s %9s %10s %11s %12s %12s\n' variant "CPU ms" "vs plain" "vs empty" "vs libtsan" "+ns/access" "peak RSS KiB" "instr/access"
		for i in "${!names[@]}"; do
			local ns
			ns=$(awk -v c="${cpu[i]}" -v p="$plain" -v a="$accesses" 'BEGIN { printf "%.2f", (c - p) * 1000 / a }')
			printf '%-27s %9.1f %9s %9s %10s %11s %12d %12s\n' "${labels[i]}" \
				"$(awk -v c="${cpu[i]}" 'BEGIN {print c / 1000}')" \
				"$(ratio "${cpu[i]}" "$plain")" "$(ratio "${cpu[i]}" "$empty")" "$(ratio "${cpu[i]}" "$tsan")" \
				"$ns" "${rss[i]}" "${cg[i]:--}"
		done
		echo "(CPU ms: median user+sys of $RUNS runs; +ns/access: (CPU - plain CPU) / accesses;"
		if [ "$CALLGRIND" = 1 ]; then
			echo " instr/access: callgrind, (Ir(2n) - Ir(n)) / (accesses(2n) - accesses(n)) with n = $cg_n;"
			echo " n/a for (b): its stalls spin on the clock, so its count measures time, not work)"
		else
			echo " instr/access: skipped, CALLGRIND=0)"
		fi
		echo "all runs (CPU ms, in run order; min is the least noisy estimate on a shared machine):"
		for i in "${!names[@]}"; do
			printf '  %-27s %s  min %s\n' "${labels[i]}" "$(awk '{printf "%.0f ", $1 / 1000}' "$res/$w.${names[i]}.cpu")" \
				"$(sort -n "$res/$w.${names[i]}.cpu" | awk 'NR == 1 {printf "%.0f", $1 / 1000}')"
		done

		echo "target checks ($w):"
		check "$w: (a) fast path vs (c) empty hooks: $(ratio "${cpu[0]}" "$empty") (target <= 1.25x)" \
			"$(awk -v a="${cpu[0]}" -v b="$empty" 'BEGIN {print a / b}')" 1.25
		check "$w: (a) fast path vs (d) libtsan: $(ratio "${cpu[0]}" "$tsan") (target <= 0.50x)" \
			"$(awk -v a="${cpu[0]}" -v b="$tsan" 'BEGIN {print a / b}')" 0.5
		check "$w: (b) kcsan defaults vs (d) libtsan: $(ratio "${cpu[1]}" "$tsan") (target <= 0.50x)" \
			"$(awk -v a="${cpu[1]}" -v b="$tsan" 'BEGIN {print a / b}')" 0.5
		if [ "${#names[@]}" -gt 6 ]; then
			check "$w: (g) LTO route, watchpoints off vs (c) empty hooks: $(ratio "${cpu[6]}" "$empty") (target < 1.00x)" \
				"$(awk -v a="${cpu[6]}" -v b="$empty" 'BEGIN {print a / b}')" 0.9999
		fi
	done
}

# ------------------------------------------------------------------ mem ----

mem_mode() {
	build_variants heap no-hooks
	local res="$OUT/results-mem"
	rm -rf "$res"
	mkdir -p "$res"
	local avail_mib
	avail_mib=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)

	echo
	echo "== mem: peak RSS (KiB, median of $MEM_RUNS runs) of bench/heap.c; kcsan with default options"
	local h v
	for h in $HEAP_MIB; do
		[[ "$h" =~ ^[1-9][0-9]*$ ]] || die "HEAP_MIB entries must be positive integers (got '$h')"
		for v in plain kcsan libtsan; do
			if [ "$v" = libtsan ] && { [ "$h" -gt "$LIBTSAN_MAX_MIB" ] || [ $((h * 6)) -gt "$avail_mib" ]; }; then
				continue
			fi
			if [ "$v" != libtsan ] && [ $((h * 2)) -gt "$avail_mib" ]; then
				die "not enough memory for a $h MiB heap (MemAvailable: $avail_mib MiB); lower HEAP_MIB"
			fi
			local k
			for ((k = 0; k < MEM_RUNS; k++)); do
				run_one "heap $v $h" "" "$res/$v.$h.last" "$res/$v.$h.err" "$OUT/heap_$v" "$h"
				field maxrss_kib "$res/$v.$h.last" >>"$res/$v.$h.rss"
			done
			printf '.'
		done
	done
	echo
	printf '%9s %12s %12s %16s %12s %16s\n' "heap MiB" "plain RSS" "kcsan RSS" "kcsan - plain" "libtsan RSS" "libtsan - plain"
	local diffs=()
	for h in $HEAP_MIB; do
		local p k t d td="-" tr="-"
		p=$(median "$res/plain.$h.rss")
		k=$(median "$res/kcsan.$h.rss")
		d=$(awk -v a="$k" -v b="$p" 'BEGIN {printf "%d", a - b}')
		diffs+=("$d")
		if [ -f "$res/libtsan.$h.rss" ]; then
			t=$(median "$res/libtsan.$h.rss")
			tr=$(printf '%d' "$t")
			td=$(awk -v a="$t" -v b="$p" 'BEGIN {printf "%d", a - b}')
		fi
		printf '%9s %12d %12d %16s %12s %16s\n' "$h" "$p" "$k" "$d" "$tr" "$td"
	done
	echo "(libtsan is run up to LIBTSAN_MAX_MIB=$LIBTSAN_MAX_MIB MiB only: its shadow memory is ~5x the heap)"

	# After a report the runtime has symbolized stacks: not part of the fixed
	# budget above (the heap runs report nothing), shown for the record.
	gcc -O2 -g1 -fsanitize=thread --param tsan-instrument-func-entry-exit=0 -c "$BENCH/racy_threads.c" \
		-o "$OUT/racy_threads_tsan.o" || die "cannot compile racy_threads.c"
	cc "$OUT/racy_threads_tsan.o" "${KCSAN_LIBS[@]}" -o "$OUT/racy_threads_kcsan"
	cc "${CFLAGS[@]}" -g1 "$BENCH/racy_threads.c" -pthread -o "$OUT/racy_threads_plain"
	local rp rk reports
	run_one "racy plain" "" "$res/racy.plain" "$res/racy.plain.err" "$OUT/racy_threads_plain" 8 10000
	run_one "racy kcsan" "delay_mode=yield" "$res/racy.kcsan" "$res/racy.kcsan.err" "$OUT/racy_threads_kcsan" 8 10000 2>/dev/null
	rp=$(field maxrss_kib "$res/racy.plain")
	rk=$(field maxrss_kib "$res/racy.kcsan")
	reports=$(grep -c 'BUG: KCSAN' "$res/racy.kcsan.err" || true)
	echo "for the record, after reports: racy_threads 8 10000 (delay_mode=yield, $reports report(s)):"
	echo "  plain RSS $rp KiB, kcsan RSS $rk KiB, kcsan - plain $((rk - rp)) KiB (the symbolizer's"
	echo "  debug-info caches, loaded on the first report; not covered by the check below)"

	local max min spread
	max=$(printf '%s\n' "${diffs[@]}" | sort -n | tail -1)
	min=$(printf '%s\n' "${diffs[@]}" | sort -n | head -1)
	spread=$((max - min))
	echo "target checks (memory):"
	check "mem: kcsan RSS - plain RSS <= 4 MiB for every heap size: max $max KiB (target <= 4096 KiB)" "$max" 4096
	check "mem: kcsan - plain is constant across heap sizes $HEAP_MIB MiB: spread $spread KiB (target <= 1024 KiB)" "$spread" 1024
}

case "$MODE" in
cpu) cpu_mode ;;
mem) mem_mode ;;
all)
	cpu_mode
	mem_mode
	;;
esac

echo
if [ "$FAILED" -gt 0 ]; then
	echo "== $FAILED target check(s) FAILED (report: ${REPORT#"$ROOT"/})"
	[ "$STRICT" = 1 ] && exit 1
else
	echo "== all target checks passed (report: ${REPORT#"$ROOT"/})"
fi
exit 0
