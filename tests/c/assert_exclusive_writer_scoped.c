// SPDX-License-Identifier: MIT OR Apache-2.0
// assert_exclusive_writer_scoped.c - ASSERT_EXCLUSIVE_WRITER_SCOPED(var)
// asserts "nobody else writes var" for the whole scope: the owner opens the
// scope, then calls a helper whose accesses (to other data) re-check the
// assertion. An intruder writes var with WRITE_ONCE(). The report points at
// the start of the scope ("assert no writes (reordered)", top frame owner_step at
// the assertion's line), never at the helper, and says where the conflict
// was seen ("reordered to:") (kcsan_test's test_assert_exclusive_writer_scoped).
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: assert: race in intruder / owner_step{{$}}
// EXPECT: {{^}}write (marked) to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}}assert no writes (reordered) to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} owner_step+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}assert_exclusive_writer_scoped.c:[[assert]]{{$}}
// EXPECT: {{^}}  +-> reordered to: {{.*}}
// STDOUT: assert_exclusive_writer_scoped: done
// NEVER: data-race in
// NEVER: {{^}} helper+

#include <kcsan.h>

#include "scenario.h"

static long owned;
static long other_data;
static int64_t budget_ms;

__attribute__((noinline)) void helper(long i)
{
	WRITE_ONCE(other_data, READ_ONCE(other_data) + i);
}

__attribute__((noinline)) void owner_step(long i)
{
	ASSERT_EXCLUSIVE_WRITER_SCOPED(owned); // [[@assert]]
	for (int k = 0; k < 8; k++)
		helper(i + k);
}

void *owner(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++)
		owner_step(i);
	return NULL;
}

void *intruder(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		WRITE_ONCE(owned, -i);
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
	printf("assert_exclusive_writer_scoped: done\n");
	return 0;
}
