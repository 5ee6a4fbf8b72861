// SPDX-License-Identifier: MIT OR Apache-2.0
// novalue_change_rcu.c - the kernel's exception to report_value_change_only:
// when the other access is in a function whose name contains _rcu (or rcu_,
// _srcu), the race is reported although the value did not change.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=100
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer_rcu{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer_rcu+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}novalue_change_rcu.c:[[write]]{{$}}
// STDOUT: novalue_change_rcu: done

#include "scenario.h"

/* Not static: clang would shrink a static that only ever holds 0 or 42 to a bool. */
long shared = 42; /* preset, as in the kernel test: the stores never change it */
static int64_t budget_ms;
static volatile long sink;

__attribute__((noinline)) void writer_rcu(void *arg)
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
	writer_rcu(arg);
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
	printf("novalue_change_rcu: done\n");
	return 0;
}
