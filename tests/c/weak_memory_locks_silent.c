// SPDX-License-Identifier: MIT OR Apache-2.0
// weak_memory_locks_silent.c - with the weak-memory model on, a correct
// program synchronised through the C library stays silent: unlocking a
// mutex, waiting on a condition variable and creating a thread are
// releases inside the uninstrumented C library, which `kcsan cc` tells the
// model about (-Wl,--wrap, kcsan-rt/src/sync_wrap_pthread.c). Without that,
// a plain store made before pthread_mutex_unlock would be taken as
// reordered past it and reported against the next owner's access.
//
// RUN: KCSAN_WEAK_MEMORY=1 %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: weak_memory=1:skip_watch=10:print_stats=1
// RUNS: 3
// STDERR: {{^}}setup_watchpoints: {{[1-9]}}
// NEVER: BUG: KCSAN
// STDOUT: weak_memory_locks_silent: done

#include "scenario.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter, ready, before_start;

SCENARIO_BODY void bump(long i)
{
	pthread_mutex_lock(&lock);
	counter += i; /* plain, under the mutex */
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(scenario_budget_ms(200));
	(void)arg;
	if (before_start != 42) /* what main wrote before creating us */
		abort();
	pthread_mutex_lock(&lock);
	while (!ready)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	for (long i = 0; !scenario_expired(&dl, i); i++)
		bump(i);
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	before_start = 42;
	for (int i = 0; i < 2; i++)
		scenario_spawn(&t[i], worker, NULL);
	pthread_mutex_lock(&lock);
	ready = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("weak_memory_locks_silent: done\n");
	return counter < 0;
}
