// SPDX-License-Identifier: MIT OR Apache-2.0
// novalue_change_silent.c - report_value_change_only=1 (the default): a
// writer that stores the value already there (42) hits the reader's
// watchpoint, but the watcher sees no change, so nothing is reported. The
// runtime still counts the race (data_races > 0): it was seen, then filtered.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=50:print_stats=1
// STDERR: data_races: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN
// STDOUT: novalue_change_silent: done

#include "scenario.h"

/* Not static: clang would shrink a static that only ever holds 0 or 42 to a bool. */
long shared = 42; /* preset, as in the kernel test: the stores never change it */
static int64_t budget_ms;
static volatile long sink;

__attribute__((noinline)) void writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		shared = 42; // [[@write]]
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
	printf("novalue_change_silent: done\n");
	return 0;
}
