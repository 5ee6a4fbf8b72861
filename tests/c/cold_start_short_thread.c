// SPDX-License-Identifier: MIT OR Apache-2.0
// cold_start_short_thread.c - a race inside short-lived threads. Two helper
// threads each warm up on a private table (using up the watchpoint every new
// thread sets up on its first access, and with it the kernel's sampler's
// attention), then bump a shared counter 16 times without a lock and exit.
// At skip_watch=4000 the increments are almost never watched; with
// cold_start=1 a new thread watches its first accesses eagerly and backs off
// slowly, so the race is caught in a single run often enough for the
// harness's reruns. The stall budget applies as well: it is on here, and its
// burst pays for the cold start.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: cold_start=1:max_stall_ratio=0.1
// EXPECT: {{^}}BUG: KCSAN: data-race in bump / bump{{$}}
// EXPECT: {{^}} bump+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}cold_start_short_thread.c:[[bump]]{{$}}
// STDOUT: cold_start_short_thread: done

#include "scenario.h"

long counter;
static pthread_barrier_t go;

SCENARIO_BODY void bump(void)
{
	counter++; // [[@bump]]
}

static void *helper(void *arg)
{
	long sum = 0;
	(void)arg;
	for (int i = 0; i < 40; i++)
		sum += scenario_table[i & 63];
	pthread_barrier_wait(&go);
	for (int i = 0; i < 16; i++)
		bump();
	return (void *)sum;
}

int main(void)
{
	pthread_t t[2];
	scenario_table_init();
	pthread_barrier_init(&go, NULL, 2);
	scenario_spawn(&t[0], helper, NULL);
	scenario_spawn(&t[1], helper, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("cold_start_short_thread: done\n");
	return 0;
}
