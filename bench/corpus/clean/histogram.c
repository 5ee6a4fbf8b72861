// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: shared histogram updated from a parallel loop
// FIX: each thread fills a private histogram; the main thread adds them up
// after joining (the map-reduce shape of an OpenMP array reduction).
#include "../corpus.h"

#define BUCKETS 8
#define SAMPLES 120000

static unsigned long local[2][BUCKETS];
static unsigned long hist[BUCKETS];

static void *classify(void *arg)
{
	long t = (long)arg;
	unsigned long x = (unsigned long)arg + 7;
	for (int i = 0; i < SAMPLES / 2; i++) {
		x = crunch(x);
		opaque();
		local[t][(x >> 29) % BUCKETS]++;
	}
	return NULL;
}

int main(void)
{
	run_threads(2, classify);
	unsigned long total = 0;
	for (int b = 0; b < BUCKETS; b++) {
		hist[b] = local[0][b] + local[1][b];
		total += hist[b];
	}
	printf("%lu samples\n", total);
	return 0;
}
