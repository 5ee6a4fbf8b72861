// SPDX-License-Identifier: MIT OR Apache-2.0
// data_race_annotated.c - data_race() marks accesses as intentionally racy
// (statistics, diagnostics): a writer and a reader that race on a plain
// counter, both sides wrapped in data_race(), are never reported, even with
// plain writes watched and aggressive sampling. The plain reads of a
// read-only table outside data_race() prove watchpoints were set up.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:assume_plain_writes_atomic=0:print_stats=1
// RUNS: 2
// STDOUT: data_race_annotated: done
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: {{^data_races: [1-9]}}
// NEVER: BUG: KCSAN
// NEVER: kcsan: warning

#include <kcsan.h>

#include "scenario.h"

long nr_events; /* not static: the compiler must keep every access */
static int64_t budget_ms;
static volatile long sink;

void *writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		data_race(nr_events = nr_events + 1);
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
		sum += data_race(nr_events);
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
	printf("data_race_annotated: done (%ld events)\n", data_race(nr_events) > 0 ? 1L : 0L);
	return 0;
}
