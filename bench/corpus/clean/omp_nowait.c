// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP nowait removes a needed barrier
// FLAGS: -fopenmp
// FIX: no `nowait` on the first loop: its implicit barrier (in libgomp, not
// instrumented) ends every write of a[] before any thread reads it.
#include <omp.h>

#include "../corpus.h"

#define N 20000

static double a[N], b[N];

int main(void)
{
	omp_set_num_threads(2);
	for (int rep = 0; rep < 20; rep++) {
#pragma omp parallel
		{
#pragma omp for schedule(static)
			for (int i = 0; i < N; i++) {
				opaque();
				a[i] = (double)((i * 7 + rep) % 13);
			}
#pragma omp for schedule(static)
			for (int i = 0; i < N; i++)
				b[i] = a[N - 1 - i] * 0.5;
		}
	}
	printf("b[0] = %.1f\n", b[0]);
	return 0;
}
