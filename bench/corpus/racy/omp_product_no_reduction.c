// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP product without a reduction clause
// FLAGS: -fopenmp
// Compound growth over a list of periodic rates, growth *= 1 + rate[i], with
// schedule(static,1). `growth` is shared (RACE line): the threads' read,
// multiply and write sequences interleave and factors are lost. gcc -O2 keeps
// `growth` in a register for the whole loop: each thread loads it once at the
// start and stores it once at the end.
#include <stdio.h>

#define N 1600

static double rate[N];

int main(void)
{
	for (int i = 0; i < N; i++)
		rate[i] = ((double)((i * 41) % 61) - 29.0) * 1e-4;
	double growth = 1.0;
#pragma omp parallel for schedule(static, 1)
	for (int i = 0; i < N; i++)
		growth *= 1.0 + rate[i]; /* RACE: shared accumulator */
	printf("growth = %.6f\n", growth);
	return 0;
}
