// SPDX-License-Identifier: MIT OR Apache-2.0
// assert_exclusive_bits_nochange.c - the legal case of ASSERT_EXCLUSIVE_BITS:
// another thread flips a bit OUTSIDE the asserted mask. The watched word
// changes, but not in the owned bits: never a report (kcsan_test's
// test_assert_exclusive_bits_nochange). Aggressive sampling; the statistics
// prove the assertion really watched.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:print_stats=1
// RUNS: 2
// STDOUT: assert_exclusive_bits_nochange: done
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN

#include <kcsan.h>

#include "scenario.h"

#define OWNED_BITS 0xff00UL
#define FLIPPED_BIT 0x1UL

static unsigned long flags;
static int64_t budget_ms;
static volatile unsigned long sink;

void *assert_bits(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	unsigned long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		ASSERT_EXCLUSIVE_BITS(flags, OWNED_BITS);
		sum += (READ_ONCE(flags) & OWNED_BITS) >> 8;
		barrier();
	}
	sink = sum;
	return NULL;
}

void *change_bits(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		WRITE_ONCE(flags, READ_ONCE(flags) ^ FLIPPED_BIT);
		barrier();
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], assert_bits, NULL);
	scenario_spawn(&t[1], change_bits, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("assert_exclusive_bits_nochange: done\n");
	return 0;
}
