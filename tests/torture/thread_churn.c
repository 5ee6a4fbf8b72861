// SPDX-License-Identifier: MIT OR Apache-2.0
// thread_churn.c - 3,000 short-lived threads, 8 at a time, each racing on a
// shared counter for a moment: the runtime keeps no per-thread memory past a
// thread's exit (its context is thread-local), so the resident set after
// the last thread is what it was after the first few hundred.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=50
// STDOUT: thread_churn: 3000 threads, resident set flat
// STDOUT: thread_churn: done
// TIMEOUT: 120

#include <unistd.h>

#include "../c/scenario.h"

static long counter;
static volatile long sink;

SCENARIO_BODY void churn_body(long i)
{
	counter = i;
	sink = counter;
}

static void *run(void *arg)
{
	(void)arg;
	for (long i = 0; i < 2000; i++)
		churn_body(i);
	return NULL;
}

static SCENARIO_UNINSTRUMENTED long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(void)
{
	long base = 0;
	int n = 0;

	for (int round = 0; round < 375; round++) {
		pthread_t t[8];
		for (int i = 0; i < 8; i++)
			scenario_spawn(&t[i], run, NULL);
		for (int i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
		n += 8;
		if (round == 40)
			base = rss_kib();
	}
	long growth = rss_kib() - base;
	if (growth < 8192)
		printf("thread_churn: %d threads, resident set flat\n", n);
	else
		printf("thread_churn: %d threads, resident set grew by %ld KiB\n", n, growth);
	printf("thread_churn: done\n");
	return 0;
}
