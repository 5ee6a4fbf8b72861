// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP stride-2 loop-carried dependence (fused wavelet lifting steps)
// FLAGS: -fopenmp
// FIX: the predict and update steps are two worksharing loops in one parallel
// region: the first writes only odd samples and reads only even ones, the
// second the reverse, and the implicit barrier between them orders the two.
#include <stdio.h>

#define M 512

static double x[2 * M + 1];

int main(void)
{
	for (int j = 0; j < 2 * M; j++)
		x[j] = (double)((j * 13) % 31) - 15.0;
	x[2 * M] = x[2 * M - 2]; /* mirrored padding */
#pragma omp parallel
	{
#pragma omp for schedule(static, 1)
		for (int i = 0; i < M; i++)
			x[2 * i + 1] -= 0.5 * (x[2 * i] + x[2 * i + 2]);
#pragma omp for schedule(static, 1)
		for (int i = 1; i < M; i++)
			x[2 * i] += 0.25 * (x[2 * i - 1] + x[2 * i + 1]);
	}
	double lo = 0.0, hi = 0.0;
	for (int i = 0; i < M; i++) {
		lo += x[2 * i] * (double)(i % 3 + 1);
		hi += x[2 * i + 1] * x[2 * i + 1];
	}
	printf("low band %.3f, high band energy %.3f\n", lo, hi);
	return 0;
}
