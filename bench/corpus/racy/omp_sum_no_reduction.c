// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP sum without a reduction clause
// FLAGS: -fopenmp
// The loop accumulates into a shared `sum` (RACE line): updates are lost.
// The fix is `reduction(+:sum)`.
#include <omp.h>

#include "../corpus.h"

#define N 200000

static double v[N];

int main(void)
{
	for (int i = 0; i < N; i++)
		v[i] = (double)(crunch((unsigned long)i) % 100);
	omp_set_num_threads(2);
	double sum = 0;
#pragma omp parallel for schedule(static)
	for (int i = 0; i < N; i++) {
		opaque();
		sum += v[i]; /* RACE: shared accumulator */
	}
	printf("sum %s\n", sum > 0 ? "positive" : "zero");
	return 0;
}
