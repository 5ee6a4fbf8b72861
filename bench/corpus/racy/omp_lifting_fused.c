// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP stride-2 loop-carried dependence (fused wavelet lifting steps)
// FLAGS: -fopenmp
// One level of an integer-style 5/3 lifting wavelet, done in place on x[]:
// the predict step (odd samples minus the mean of their even neighbours) and
// the update step (even samples plus a quarter of their odd neighbours) are
// fused into one pass, which is correct serially. In parallel, iteration i
// reads x[2i+2], which iteration i+1 updates, and x[2i-1], which iteration
// i-1 predicts; with schedule(static,1) those run on other threads (RACE lines).
#include <stdio.h>

#define M 512

static double x[2 * M + 1];

int main(void)
{
	for (int j = 0; j < 2 * M; j++)
		x[j] = (double)((j * 13) % 31) - 15.0;
	x[2 * M] = x[2 * M - 2]; /* mirrored padding */
#pragma omp parallel for schedule(static, 1)
	for (int i = 0; i < M; i++) {
		x[2 * i + 1] -= 0.5 * (x[2 * i] + x[2 * i + 2]);          /* RACE: x[2i+2] is updated by iteration i+1 */
		if (i > 0)
			x[2 * i] += 0.25 * (x[2 * i - 1] + x[2 * i + 1]); /* RACE: x[2i-1] is predicted by iteration i-1 */
	}
	double lo = 0.0, hi = 0.0;
	for (int i = 0; i < M; i++) {
		lo += x[2 * i] * (double)(i % 3 + 1);
		hi += x[2 * i + 1] * x[2 * i + 1];
	}
	printf("low band %.3f, high band energy %.3f\n", lo, hi);
	return 0;
}
