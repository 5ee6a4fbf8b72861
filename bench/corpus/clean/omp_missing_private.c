// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP loop with a missing private clause
// FLAGS: -fopenmp
// FIX: `private(tmp)` gives each thread its own temporary.
#include <omp.h>

#include "../corpus.h"

#define N 100000

static double in[N], out[N];
static double tmp;

int main(void)
{
	for (int i = 0; i < N; i++)
		in[i] = (double)(i % 1000);
	omp_set_num_threads(2);
	for (int rep = 0; rep < 3; rep++) {
#pragma omp parallel for schedule(static) private(tmp)
		for (int i = 0; i < N; i++) {
			tmp = in[i] * 2.0;
			opaque();
			out[i] = tmp + 1.0;
		}
	}
	printf("out[N-1] = %.1f\n", out[N - 1]);
	return 0;
}
