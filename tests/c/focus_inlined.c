// SPDX-License-Identifier: MIT OR Apache-2.0
// focus_inlined.c - focus on a function the compiler inlined everywhere: it
// has no symbol of its own, only DWARF inline records, and focus finds its
// code there (reports name such a function when the frame around it is cut,
// as for Rust closures inlined into the standard library's thread start).
// Otherwise focus_store_once.c: a race whose two accesses each run once
// per thread, milliseconds apart. Four threads each compute a partial result
// in a local variable and store it once, at the end, into one shared
// variable (the "shared scalar stored once per thread" of a loop without a
// reduction clause). The threads start 200 us apart, so the stores never
// overlap by themselves, and sampling is off (focus_only=1): only focus can
// see the race. With the storing function focused, its store is code that
// runs four times in the whole process, so each run of it is held for the
// whole udelay_focus, long enough for a neighbour's store to arrive.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: focus_functions=finish:focus_only=1:first_watches=0
// EXPECT: {{^}}BUG: KCSAN: data-race in worker / worker{{$}}
// EXPECT: {{^}} finish {{.*}}focus_inlined.c:[[store]] [inline]{{$}}
// NEVER: focus: no function named
// NEVER: was never entered
// STDOUT: focus_inlined: done (1)

#include "scenario.h"

#define THREADS 4

static long result;
static long input[THREADS][256];

static inline __attribute__((always_inline)) void finish(long partial)
{
	result = partial; // [[@store]]
}

static void *worker(void *arg)
{
	long t = (long)arg, sum = 0;
	for (int i = 0; i < 256; i++)
		sum += input[t][i] * i;
	finish(sum);
	return NULL;
}

/* About 200 us between two thread starts. */
static void stagger(void)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t1);
	while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 200000);
}

int main(void)
{
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		for (int j = 0; j < 256; j++)
			input[i][j] = i + j;
	for (long i = 0; i < THREADS; i++) {
		scenario_spawn(&t[i], worker, (void *)i);
		stagger();
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("focus_inlined: done (%ld)\n", result > 0);
	return 0;
}
