// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP product without a reduction clause
// FLAGS: -fopenmp
// FIX: `reduction(* : growth)`: each thread multiplies into its own copy,
// initialised to 1, and OpenMP combines the copies at the end of the loop.
#include <stdio.h>

#define N 1600

static double rate[N];

int main(void)
{
	for (int i = 0; i < N; i++)
		rate[i] = ((double)((i * 41) % 61) - 29.0) * 1e-4;
	double growth = 1.0;
#pragma omp parallel for schedule(static, 1) reduction(* : growth)
	for (int i = 0; i < N; i++)
		growth *= 1.0 + rate[i];
	printf("growth = %.6f\n", growth);
	return 0;
}
