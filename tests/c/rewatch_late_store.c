// SPDX-License-Identifier: MIT OR Apache-2.0
// rewatch_late_store.c - an instrumented writer whose check runs well before
// its store: the window an instrumented writer leaves open when it is
// preempted between the check (a call before the access) and the store,
// made wide. A reader's watch that takes in the store but not the check sees
// the value change with nobody hitting its watchpoint, which alone would be
// reported as a race of unknown origin. Watching again (udelay_rewatch, here
// long enough for a loaded machine) catches the writer's next check, so the
// race is reported with both stacks and never as unknown origin. With
// udelay_rewatch=0 this program's reports are mostly of unknown origin.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: udelay_rewatch=20000
// RUNS: 3
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}rewatch_late_store.c:[[check]]{{$}}
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}rewatch_late_store.c:[[read]]{{$}}
// STDOUT: rewatch_late_store: done
// NEVER: unknown origin

#include <kcsan.h>

#include "scenario.h"

long shared;
static volatile long sink;

/* The store, out of KCSAN's sight, some microseconds after the check. */
__no_kcsan __attribute__((noinline)) static void store_late(long i)
{
	for (volatile int k = 0; k < 3000; k++)
		;
	shared = i;
}

SCENARIO_BODY void writer(long i)
{
	kcsan_check_write(&shared, sizeof(shared)); // [[@check]]
	store_late(i);
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("rewatch_late_store", writer, reader);
}
