// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: array chunk boundary in a hand-parallelised loop
// FIX: the chunks are half-open ranges [lo, hi), so they are disjoint and
// each cell is updated by exactly one thread.
#include "../corpus.h"

#define N 128
#define THREADS 2
#define PASSES 1000

static unsigned long a[N + 1];

static void pass(int lo, int hi)
{
	for (int i = lo; i < hi; i++)
		a[i] = a[i] * 3 + 1;
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
