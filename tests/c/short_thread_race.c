// SPDX-License-Identifier: MIT OR Apache-2.0
// short_thread_race.c - a race inside short-lived threads, with the default
// options. Two helper threads each warm up on a private table (using up a
// new thread's first watches), then bump a shared counter 16 times without
// a lock and exit. At the kernel's skip_watch=4000 the increments are almost
// never watched; the user preset's dense sampling (skip_watch=20, the stall
// budget's burst paying for it) watches several of them in a single run.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in bump / bump{{$}}
// EXPECT: {{^}} bump+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}short_thread_race.c:[[bump]]{{$}}
// STDOUT: short_thread_race: done

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
	printf("short_thread_race: done\n");
	return 0;
}
