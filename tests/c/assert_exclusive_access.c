// SPDX-License-Identifier: MIT OR Apache-2.0
// assert_exclusive_access.c - ASSERT_EXCLUSIVE_ACCESS(var) says "nobody
// else even reads var now" (e.g. in a destructor that must be the last
// user). The owner asserts it before updating var; an intruder reads var
// with READ_ONCE(). The marked read is no data race, but it breaks the
// assertion: "assert: race", the intruder's "read (marked)" and the
// owner's "assert no accesses" (kcsan_test's test_assert_exclusive_access).
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: assert: race in intruder / owner{{$}}
// EXPECT: {{^}}read (marked) to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} intruder+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}assert_exclusive_access.c:[[intrude]]{{$}}
// EXPECT: {{^}}assert no accesses to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} owner+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}assert_exclusive_access.c:[[assert]]{{$}}
// STDOUT: assert_exclusive_access: done
// NEVER: data-race in

#include <kcsan.h>

#include "scenario.h"

static long owned;
static int64_t budget_ms;
static volatile long sink;

void *owner(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		ASSERT_EXCLUSIVE_ACCESS(owned); // [[@assert]]
		WRITE_ONCE(owned, i);
		barrier();
	}
	return NULL;
}

void *intruder(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		sum += READ_ONCE(owned); // [[@intrude]]
		barrier();
	}
	sink = sum;
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
	printf("assert_exclusive_access: done\n");
	return 0;
}
