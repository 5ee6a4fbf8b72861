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
static int64_t budget_ms;
static volatile long sink;

void *writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		kcsan_disable_current();
		kcsan_disable_current();
		shared = i;
		kcsan_enable_current();
		shared = i + 1; /* still disabled: the calls nest */
		kcsan_enable_current();
		sum += scenario_table[i & 63];
		barrier();
	}
	sink = sum;
	return NULL;
}

void *reader(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		kcsan_disable_current();
		sum += shared;
		barrier();
		sum += shared;
		kcsan_enable_current();
		sum += scenario_table[(i * 7) & 63];
		barrier();
	}
	sink = sum;
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	budget_ms = scenario_budget_ms(300);
	scenario_table_init();
	scenario_spawn(&t[0], writer, NULL);
	scenario_spawn(&t[1], reader, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("disable_current_silent: done\n");
	return 0;
}
