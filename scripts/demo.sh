#!/usr/bin/env bash
# The demo: the book's kcsan_datarace example, caught by kcsan.
#
# Builds kcsan, compiles examples/c/datarace.c with `kcsan cc`, and runs it
# three ways, as the chapter does:
#   1. two plain writers with the kernel's defaults (preset=kernel): silent,
#      because the kernel assumes aligned plain writes atomic;
#   2. the same with kcsan's defaults, which report every data race:
#      a write/write report, both stacks;
#   3. a plain reader against a plain writer, kcsan's defaults: reported;
#   4. that report handed to `kcsan repro`: the race reproduced on demand;
#   5. the fix (a mutex, -DFIXED) confirmed by `kcsan repro --confirm-fix`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
KCSAN=target/release/kcsan
OUT=target/demo
mkdir -p "$OUT"
"$KCSAN" cc -O2 -g examples/c/datarace.c -o "$OUT/datarace" -pthread
"$KCSAN" cc -O2 -g -DFIXED examples/c/datarace.c -o "$OUT/datarace-fixed" -pthread

banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

banner "1. race_2plain_w, the kernel's defaults (preset=kernel: plain writes assumed atomic): expect silence"
"$KCSAN" run -o preset=kernel -- "$OUT/datarace" --race=2plain_w || true

banner "2. race_2plain_w, kcsan's defaults (every data race is reported): expect a write/write report"
"$KCSAN" run -- "$OUT/datarace" --race=2plain_w || true

banner "3. plain read vs plain write, default options: expect a read/write report"
"$KCSAN" run -- "$OUT/datarace" --race=plain_rw || true

banner "3b. the same, one run's report kept in a log"
"$OUT/datarace" --race=plain_rw --iter1 20000 --iter2 20000 2>"$OUT/race.log" || true
grep -m1 'BUG: KCSAN' "$OUT/race.log" || echo "(no report this time; step 4 still works from an earlier log)"

if grep -q 'BUG: KCSAN' "$OUT/race.log"; then
	banner "4. kcsan repro: rerun focused on the report's functions: expect it back in (nearly) every run"
	"$KCSAN" repro --report "$OUT/race.log" -n 20 -- "$OUT/datarace" --race=plain_rw --iter1 20000 --iter2 20000 || true

	banner "5. the fix (a mutex): kcsan repro --confirm-fix: expect no report in 50 focused runs"
	"$KCSAN" repro --report "$OUT/race.log" --confirm-fix -n 50 -- "$OUT/datarace-fixed" --race=plain_rw --iter1 20000 --iter2 20000 || true
fi
