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

/* Not static: clang would shrink a static that only ever holds 0 or 42 to a bool. */
long shared;
static int64_t budget_ms;
static volatile long sink;

__attribute__((noinline)) void writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		shared ^= 0x10000; // [[@write]]
		barrier();
	}
}

void *writer_thread(void *arg)
{
	writer(arg);
	return NULL;
}

void *reader(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		sum += shared; // [[@read]]
		barrier();
	}
	sink = sum;
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], writer_thread, NULL);
	scenario_spawn(&t[1], reader, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("permissive_single_bit: done\n");
	return 0;
}
