// SPDX-License-Identifier: MIT OR Apache-2.0
// novalue_change_reported.c - with report_value_change_only=0, the silent
// store of novalue_change_silent.c is reported: a race is a race even if the
// value happens not to change.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: report_value_change_only=0
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}novalue_change_reported.c:[[write]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// NEVER: value changed
// STDOUT: novalue_change_reported: done

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
	printf("novalue_change_reported: done\n");
	return 0;
}
