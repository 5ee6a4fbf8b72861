// SPDX-License-Identifier: MIT OR Apache-2.0
// disable_current_silent.c - kcsan_disable_current() / kcsan_enable_current()
// turn checking off for the current thread, and nest. A writer and a reader
// race on a plain variable only inside (nested) disabled sections: never a
// report, even with plain writes watched and aggressive sampling. Outside
// the sections both threads read a read-only table, so the statistics show
// checking was on there; and the balanced calls never warn.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:assume_plain_writes_atomic=0:print_stats=1
// RUNS: 2
// STDOUT: disable_current_silent: done
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
	kcsan_disable_current();
	kcsan_disable_current();
	shared = i;
	kcsan_enable_current();
	shared = i + 1; /* still disabled: the calls nest */
	kcsan_enable_current();
	sink = scenario_table[i & 63];
}

SCENARIO_BODY void reader(long i)
{
	long sum;

	kcsan_disable_current();
	sum = shared;
	barrier();
	sum += shared;
	kcsan_enable_current();
	sink = sum + scenario_table[(i * 7) & 63];
}

int main(void)
{
	scenario_table_init();
	return scenario_run_pair("disable_current_silent", writer, reader);
}
