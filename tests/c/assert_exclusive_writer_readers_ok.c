// SPDX-License-Identifier: MIT OR Apache-2.0
// assert_exclusive_writer_readers_ok.c - the legal use of
// ASSERT_EXCLUSIVE_WRITER(): one owner writes var (WRITE_ONCE) and asserts
// it is the only writer; two other threads only read var (READ_ONCE).
// Concurrent readers do not break the assertion: never a report
// (kcsan_test's test_assert_exclusive_writer with readers).
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:print_stats=1
// RUNS: 2
// STDOUT: assert_exclusive_writer_readers_ok: done
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: {{^data_races: [1-9]}}
// NEVER: BUG: KCSAN

#include <kcsan.h>

#include "scenario.h"

static long owned;
static int64_t budget_ms;
static volatile long sink;

static void *owner(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		ASSERT_EXCLUSIVE_WRITER(owned);
		WRITE_ONCE(owned, i);
		barrier();
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		sum += READ_ONCE(owned);
		barrier();
	}
	sink = sum;
	return NULL;
}

int main(void)
{
	pthread_t t[3];

	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], owner, NULL);
	scenario_spawn(&t[1], reader, NULL);
	scenario_spawn(&t[2], reader, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("assert_exclusive_writer_readers_ok: done\n");
	return 0;
}
