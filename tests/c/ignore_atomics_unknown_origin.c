// SPDX-License-Identifier: MIT OR Apache-2.0
// ignore_atomics_unknown_origin.c - with ignore_atomics=1, marked accesses
// make no runtime call at all: an atomic store racing with a plain read can
// then only show up as a race of unknown origin (the value changed under the
// reader's watchpoint), never with the store's stack.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: ignore_atomics=1
// EXPECT: {{^}}BUG: KCSAN: data-race in reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}}{{$}}
// EXPECT: {{^}}race at unknown origin, with read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// NEVER: write (marked)
// STDOUT: ignore_atomics_unknown_origin: done

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
		__atomic_store_n(&shared, i, __ATOMIC_RELAXED); // [[@write]]
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
	printf("ignore_atomics_unknown_origin: done\n");
	return 0;
}
