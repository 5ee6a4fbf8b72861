// SPDX-License-Identifier: MIT OR Apache-2.0
// assert_exclusive_writer.c - ASSERT_EXCLUSIVE_WRITER(var) says "nobody else
// writes var now". The owner asserts it and then updates var with
// WRITE_ONCE(); an intruder also writes var, with WRITE_ONCE(). Both writes
// are marked, so this is no data race, but the design is broken and the
// assertion reports it: "assert: race", the intruder's "write (marked)",
// and the owner's "assert no writes" (kcsan_test's
// test_assert_exclusive_writer). assert_exclusive_writer_readers_ok.c is
// the legal case.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: assert: race in intruder / owner{{$}}
// EXPECT: {{^}}write (marked) to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} intruder+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}assert_exclusive_writer.c:[[intrude]]{{$}}
// EXPECT: {{^}}assert no writes to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} owner+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}assert_exclusive_writer.c:[[assert]]{{$}}
// STDOUT: assert_exclusive_writer: done
// NEVER: data-race in

#include <kcsan.h>

#include "scenario.h"

static long owned;
static int64_t budget_ms;

void *owner(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		ASSERT_EXCLUSIVE_WRITER(owned); // [[@assert]]
		WRITE_ONCE(owned, i);
		barrier();
	}
	return NULL;
}

void *intruder(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		WRITE_ONCE(owned, -i); // [[@intrude]]
		barrier();
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], owner, NULL);
	scenario_spawn(&t[1], intruder, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("assert_exclusive_writer: done\n");
	return 0;
}
