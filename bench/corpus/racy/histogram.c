// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: shared histogram updated from a parallel loop
// Threads classify their share of the samples into one shared histogram with
// plain `hist[b]++` (RACE line in classify()); counts are lost when two
// threads bump the same bucket.
#include "../corpus.h"

#define BUCKETS 8
#define SAMPLES 120000

static unsigned long hist[BUCKETS];

static void *classify(void *arg)
{
	unsigned long x = (unsigned long)arg + 7;
	for (int i = 0; i < SAMPLES / 2; i++) {
		x = crunch(x);
		opaque();
		hist[(x >> 29) % BUCKETS]++; /* RACE */
	}
	return NULL;
}

int main(void)
{
	run_threads(2, classify);
	unsigned long total = 0;
	for (int b = 0; b < BUCKETS; b++)
		total += hist[b];
	printf("%lu samples\n", total);
	return 0;
}
