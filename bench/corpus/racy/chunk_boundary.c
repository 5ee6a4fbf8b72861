// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: array chunk boundary in a hand-parallelised loop
// Each thread runs its passes over its own chunk of the array, with no
// barrier between passes (none is needed when the chunks are disjoint). But
// the loop bound is off by one (`i <= hi` instead of `i < hi`), so the last
// cell of one chunk is also the first of the next, and two threads update it
// in place at the same time (RACE line in pass()).
#include "../corpus.h"

#define N 128
#define THREADS 2
#define PASSES 1000

static unsigned long a[N + 1];

static void pass(int lo, int hi)
{
	for (int i = lo; i <= hi; i++) /* off by one: should be i < hi */
		a[i] = a[i] * 3 + 1;   /* RACE at i == hi, the neighbour's lo */
}

static void *worker(void *arg)
{
	long t = (long)arg;
	int lo = (int)(t * N / THREADS), hi = (int)((t + 1) * N / THREADS);
	for (int p = 0; p < PASSES; p++) {
		pass(lo, hi);
		opaque();
	}
	return NULL;
}

int main(void)
{
	for (int i = 0; i <= N; i++)
		a[i] = crunch((unsigned long)i);
	run_threads(THREADS, worker);
	printf("a[N/2] = %lu\n", a[N / 2] % 1000);
	return 0;
}
