// SPDX-License-Identifier: MIT OR Apache-2.0
// nestable_atomic_silent.c - inside kcsan_nestable_atomic_begin() / _end()
// plain accesses count as marked (the kernel uses this for code whose
// accesses are atomic by construction, e.g. under seqlock-like protocols).
// Writer and reader race on a plain variable only inside such regions, the
// writer inside NESTED regions with accesses after the inner _end(): marked
// vs marked, never a report. Plain reads of a read-only table outside the
// regions prove watchpoints were set up; the balanced calls never warn.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:assume_plain_writes_atomic=0:print_stats=1
// RUNS: 2
// STDOUT: nestable_atomic_silent: done
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: {{^data_races: [1-9]}}
// NEVER: BUG: KCSAN
// NEVER: kcsan: warning

#include <kcsan.h>

#include "scenario.h"

long shared; /* not static: the compiler must keep every access */
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	kcsan_nestable_atomic_begin();
	kcsan_nestable_atomic_begin();
	shared = i;
	kcsan_nestable_atomic_end();
	shared = shared + 1; /* still atomic: the regions nest */
	kcsan_nestable_atomic_end();
	sink = scenario_table[i & 63];
}

SCENARIO_BODY void reader(long i)
{
	long sum;

	kcsan_nestable_atomic_begin();
	sum = shared;
	kcsan_nestable_atomic_end();
	sink = sum + scenario_table[(i * 7) & 63];
}

int main(void)
{
	scenario_table_init();
	return scenario_run_pair("nestable_atomic_silent", writer, reader);
}
