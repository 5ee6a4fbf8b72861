// SPDX-License-Identifier: MIT OR Apache-2.0
// assert_exclusive_bits_change.c - ASSERT_EXCLUSIVE_BITS(var, mask) says
// "nobody else changes the bits of mask in var now"; other bits may change.
// Here another thread flips a bit INSIDE the mask (with marked accesses, so
// it is no data race): the assertion fails, and the report shows which
// masked bits changed (kcsan_test's test_assert_exclusive_bits_change).
// assert_exclusive_bits_nochange.c builds this program to flip a bit outside
// the mask instead.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: assert: race in assert_bits / change_bits{{$}}
// EXPECT: {{^}}write (marked) to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} change_bits+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}assert_exclusive_bits_change.c:[[flip]]{{$}}
// EXPECT: {{^}}assert no writes to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} assert_bits+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}assert_exclusive_bits_change.c:[[assert]]{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// EXPECT: {{^}} bits changed: 0x0000000000000100 with mask 0x000000000000ff00{{$}}
// STDOUT: assert_exclusive_bits_change: done

#include <kcsan.h>

#include "scenario.h"

#define OWNED_BITS 0xff00UL
#ifndef FLIPPED_BIT /* assert_exclusive_bits_nochange.c builds this with 0x1UL */
#define FLIPPED_BIT 0x100UL
#endif

static unsigned long flags;
static int64_t budget_ms;
static volatile unsigned long sink;

void *assert_bits(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	unsigned long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		ASSERT_EXCLUSIVE_BITS(flags, OWNED_BITS); // [[@assert]]
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
		WRITE_ONCE(flags, READ_ONCE(flags) ^ FLIPPED_BIT); // [[@flip]]
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
	printf("assert_exclusive_bits_change: done\n");
	return 0;
}
