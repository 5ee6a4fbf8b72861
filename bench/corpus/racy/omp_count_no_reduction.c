// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP counter without a reduction clause
// FLAGS: -fopenmp
// Counts the primes among a window of odd candidates. A first loop sieves
// out multiples of 3, 5 and 7; the second tests the survivors by trial
// division, whose cost varies a lot, hence schedule(dynamic). Every prime
// found bumps the shared counter `nprimes` (RACE line) without
// synchronisation, so increments from different threads can be lost. gcc
// -O2 keeps `nprimes` in a register within a chunk, loaded at its start and
// stored at its end (the lines the debug info gives are marked RACE too).
#include <stdio.h>

#define N 1500

static unsigned int cand[N];
static unsigned char is_prime[N];

int main(void)
{
	int nprimes = 0;

	for (int k = 0; k < N; k++)
		cand[k] = 2000001u + 2u * (unsigned int)k;
#pragma omp parallel
	{
#pragma omp for
		for (int k = 0; k < N; k++)
			is_prime[k] = cand[k] % 3 != 0 && cand[k] % 5 != 0 && cand[k] % 7 != 0;
#pragma omp for schedule(dynamic, 4)
		for (int k = 0; k < N; k++) { /* RACE: as compiled, nprimes is loaded here per chunk */
			if (!is_prime[k])
				continue;
			unsigned int n = cand[k];
			for (unsigned int d = 11; d * d <= n; d += 2)
				if (n % d == 0) {
					is_prime[k] = 0;
					break;
				}
			if (is_prime[k])      /* RACE: as compiled, nprimes is stored here per chunk */
				nprimes++; /* RACE: shared counter */
		}
	}
	unsigned int last = 0;
	for (int k = 0; k < N; k++)
		if (is_prime[k])
			last = cand[k];
	printf("%d primes among %d candidates, largest %u\n", nprimes, N, last);
	return 0;
}
