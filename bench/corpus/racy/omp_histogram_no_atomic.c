// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP histogram with bins[key[i]]++ (no atomic, no reduction)
// FLAGS: -fopenmp
// Histogram of Collatz stopping times. The first loop computes each seed's
// key (its stopping time / 4); the cost per seed varies, hence
// schedule(dynamic). The second loop counts the keys with bins[key[i]]++ on
// the shared bins[] (RACE line): equal keys are spread over the whole array,
// so threads increment the same bin without synchronisation.
#include <stdio.h>

#define N 1500
#define NB 64

static unsigned int seed[N];
static unsigned char key[N];
static unsigned int bins[NB];

int main(void)
{
	for (int i = 0; i < N; i++)
		seed[i] = 1000u + 3u * (unsigned int)i;
#pragma omp parallel
	{
#pragma omp for schedule(dynamic, 16)
		for (int i = 0; i < N; i++) {
			unsigned long n = seed[i];
			unsigned int steps = 0;
			while (n != 1) {
				n = (n & 1) ? 3 * n + 1 : n / 2;
				steps++;
			}
			key[i] = (unsigned char)(steps / 4 < NB ? steps / 4 : NB - 1);
		}
#pragma omp for
		for (int i = 0; i < N; i++)
			bins[key[i]]++; /* RACE: unsynchronised read-modify-write of a shared bin */
	}
	int mode = 0;
	for (int b = 1; b < NB; b++)
		if (bins[b] > bins[mode])
			mode = b;
	printf("mode bin %d (%u seeds), bin 10 has %u\n", mode, bins[mode], bins[10]);
	return 0;
}
