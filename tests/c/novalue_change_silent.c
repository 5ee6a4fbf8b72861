// SPDX-License-Identifier: MIT OR Apache-2.0
// novalue_change_silent.c - report_value_change_only=1 (the kernel's default;
// kcsan's user preset reports such races, novalue_change_reported.c): a
// writer that stores the value already there (42) hits the reader's
// watchpoint, but the watcher sees no change, so nothing is reported. The
// runtime still counts the race (data_races > 0): it was seen, then filtered.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: report_value_change_only=1:skip_watch=50:print_stats=1
// STDERR: data_races: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN
// STDOUT: novalue_change_silent: done

#include "scenario.h"

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
long shared = 42; /* preset, as in the kernel test: the stores never change it */
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	(void)i;
	shared = 42; // [[@write]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("novalue_change_silent", writer, reader);
}
