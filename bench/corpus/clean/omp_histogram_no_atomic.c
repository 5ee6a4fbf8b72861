// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP histogram with bins[key[i]]++ (no atomic, no reduction)
// FLAGS: -fopenmp
// FIX: `reduction(+ : bins[:NB])` on the counting loop: each thread counts
// into its own zeroed copy of bins[], and OpenMP adds the copies into bins[]
// at the end of the loop.
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
#pragma omp for reduction(+ : bins[:NB])
		for (int i = 0; i < N; i++)
			bins[key[i]]++;
	}
	int mode = 0;
	for (int b = 1; b < NB; b++)
		if (bins[b] > bins[mode])
			mode = b;
	printf("mode bin %d (%u seeds), bin 10 has %u\n", mode, bins[mode], bins[10]);
	return 0;
}
