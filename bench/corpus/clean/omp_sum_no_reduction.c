// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP sum without a reduction clause
// FLAGS: -fopenmp
// FIX: `reduction(+:sum)`: each thread sums privately and OpenMP combines
// the partial sums (inside libgomp, which is not instrumented: a
// happens-before detector would need its synchronisation annotated).
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
#pragma omp parallel for schedule(static) reduction(+ : sum)
	for (int i = 0; i < N; i++) {
		opaque();
		sum += v[i];
	}
	printf("sum %s\n", sum > 0 ? "positive" : "zero");
	return 0;
}
