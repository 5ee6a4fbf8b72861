// SPDX-License-Identifier: MIT OR Apache-2.0
// focus_only_silent.c - with focus_only=1 nothing outside the focused
// functions is watched: two threads race on a counter for the whole run
// (in `racer`, not focused), while the focused function `quiet` only reads
// a table nobody writes. No run may report; the statistics prove that the
// focused function's accesses were watched.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: focus_functions=quiet:focus_only=1:print_stats=1
// STDERR: {{^}}setup_watchpoints: {{[1-9]}}
// NEVER: BUG: KCSAN
// NEVER: focus:
// RUNS: 3
// STDOUT: focus_only_silent: done

#include "scenario.h"

static long counter;

SCENARIO_BODY long quiet(long i)
{
	return scenario_table[i & 63];
}

static void *racer(void *arg)
{
	struct scenario_deadline *dl = arg;
	long sum = 0;
	for (long i = 0; !scenario_expired(dl, i); i++) {
		counter++;
		if ((i & 1023) == 0)
			sum += quiet(i);
	}
	return (void *)sum;
}

int main(void)
{
	scenario_table_init();
	struct scenario_deadline dl = scenario_deadline_in(scenario_budget_ms(200));
	pthread_t a, b;
	scenario_spawn(&a, racer, &dl);
	scenario_spawn(&b, racer, &dl);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("focus_only_silent: done\n");
	return 0;
}
