// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP counter without a reduction clause
// FLAGS: -fopenmp
// FIX: `reduction(+ : nprimes)`: each thread counts into its own copy and
// OpenMP adds the copies up at the end of the loop.
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
#pragma omp for schedule(dynamic, 4) reduction(+ : nprimes)
		for (int k = 0; k < N; k++) {
			if (!is_prime[k])
				continue;
			unsigned int n = cand[k];
			for (unsigned int d = 11; d * d <= n; d += 2)
				if (n % d == 0) {
					is_prime[k] = 0;
					break;
				}
			if (is_prime[k])
				nprimes++;
		}
	}
	unsigned int last = 0;
	for (int k = 0; k < N; k++)
		if (is_prime[k])
			last = cand[k];
	printf("%d primes among %d candidates, largest %u\n", nprimes, N, last);
	return 0;
}
