// SPDX-License-Identifier: MIT OR Apache-2.0
// first_watches_chunk_boundary.c - a new thread's first watches catch a race
// whose two accesses never overlap by themselves. Four threads run a
// recurrence a[i+1] = a[i] + 3 over their own chunk of a small array, as a
// parallel loop with a loop-carried dependence does: each thread's first
// iteration reads the element the previous thread writes in its last one.
// As in an OpenMP runtime, the threads start one after another, tens of
// microseconds apart and the last chunk first, and each chunk takes a few
// microseconds: the racing read (early, in the thread that started first)
// and write (late, in the thread that started after it) are never in flight
// at the same time. Sampling is sparse here (skip_watch=4000) so that only the
// first watches can see the race: a new thread's first accesses are
// watched with long stalls, covering the neighbour's whole chunk.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=4000
// EXPECT: {{^}}BUG: KCSAN: data-race in chunk / chunk{{$}}
// EXPECT: {{^}} chunk+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}first_watches_chunk_boundary.c:[[rec]]{{$}}
// STDOUT: first_watches_chunk_boundary: done

#include "scenario.h"

#define THREADS 4
#define CHUNK 64

static long a[THREADS * CHUNK + 1];

SCENARIO_BODY void chunk(long t)
{
	for (long i = t * CHUNK; i < (t + 1) * CHUNK; i++)
		a[i + 1] = a[i] + 3; // [[@rec]]
}

static void *worker(void *arg)
{
	chunk((long)arg);
	return NULL;
}

/* About 30 us of work between two thread starts (a thread pool's start-up). */
static void stagger(void)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t1);
	while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 30000);
}

int main(void)
{
	pthread_t t[THREADS];
	for (long i = THREADS - 1; i >= 0; i--) {
		scenario_spawn(&t[i], worker, (void *)i);
		stagger();
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("first_watches_chunk_boundary: done\n");
	return 0;
}
