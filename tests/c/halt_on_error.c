// SPDX-License-Identifier: MIT OR Apache-2.0
// halt_on_error.c - halt_on_error=1: the process ends right after its first
// report, with the exitcode (66), before the program gets to finish (its
// "done" line never appears); the closing line is still printed.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: halt_on_error=1
// ENV: SCENARIO_MS=2000
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// STDERR: {{^}}kcsan: halting after the first report (halt_on_error=1){{$}}
// STDERR: {{^}}kcsan: reported 1 race (1 unique){{$}}
// NEVER: halt_on_error: done
// EXIT: 66

#include "scenario.h"

long shared;
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	shared = i;
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared;
}

int main(void)
{
	return scenario_run_pair("halt_on_error", writer, reader);
}
