// SPDX-License-Identifier: MIT OR Apache-2.0
// small_stack_threads.c - threads created with the smallest stack the C
// library allows (PTHREAD_STACK_MIN) and with 20 KiB race with each other;
// their first report (a module scan, symbolization of the executable) must
// not overflow their stacks.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20
// EXPECT: {{^}}BUG: KCSAN: data-race in {{(bump / peek|peek / bump|bump / bump)}}{{$}}
// STDOUT: small_stack_threads: done

#include <limits.h>

#include "../c/scenario.h"

static long counter;
static volatile long sink;
static struct scenario_deadline dl;

SCENARIO_BODY void bump(long i)
{
	counter = i;
}

SCENARIO_BODY void peek(long i)
{
	(void)i;
	sink = counter;
}

static void *run_bump(void *arg)
{
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++)
		bump(i);
	return NULL;
}

static void *run_peek(void *arg)
{
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++)
		peek(i);
	return NULL;
}

int main(void)
{
	pthread_attr_t min, small;
	pthread_t t[4];

	dl = scenario_deadline_in(scenario_budget_ms(300));
	pthread_attr_init(&min);
	pthread_attr_init(&small);
	if (pthread_attr_setstacksize(&min, PTHREAD_STACK_MIN) ||
	    pthread_attr_setstacksize(&small, 20 * 1024))
		return 1;
	if (pthread_create(&t[0], &min, run_bump, NULL) ||
	    pthread_create(&t[1], &min, run_peek, NULL) ||
	    pthread_create(&t[2], &small, run_bump, NULL) ||
	    pthread_create(&t[3], &small, run_peek, NULL))
		return 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("small_stack_threads: done\n");
	return 0;
}
