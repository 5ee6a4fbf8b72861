// SPDX-License-Identifier: MIT OR Apache-2.0
// permissive_single_bit.c - permissive=1: a plain read that sees a single
// bit flip (not a boolean 0 <-> 1) is ignored, both as a known race and as a
// value change of unknown origin. The writer toggles bit 16.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: permissive=1:skip_watch=50:print_stats=1
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN
// STDOUT: permissive_single_bit: done

#include "scenario.h"

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
long shared;
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	(void)i;
	shared ^= 0x10000; // [[@write]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("permissive_single_bit", writer, reader);
}
