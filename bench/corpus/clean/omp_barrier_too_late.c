// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP barrier placed one statement too late
// FLAGS: -fopenmp
// FIX: the first barrier moves up one statement, between publishing the
// edges and reading the neighbours' ones.
// Heat diffusion along a rod split into one block per thread. Each step, a
// thread publishes its two edge temperatures in edge_lo[]/edge_hi[], reads
// its neighbours' edges, then updates its block.
#include <omp.h>

#include "../corpus.h"

#define N 64
#define STEPS 40
#define MAXT 64

static double rod[N];
static double edge_lo[MAXT], edge_hi[MAXT];

int main(void)
{
	for (int i = 0; i < N; i++)
		rod[i] = i < N / 4 ? 100.0 : 20.0 + (double)(crunch((unsigned long)i) % 8);
	if (omp_get_max_threads() > MAXT) {
		fprintf(stderr, "at most %d threads\n", MAXT);
		return 1;
	}

#pragma omp parallel
	{
		int nt = omp_get_num_threads(), t = omp_get_thread_num();
		int lo = t * N / nt, hi = (t + 1) * N / nt;
		for (int s = 0; s < STEPS; s++) {
			edge_lo[t] = rod[lo];
			edge_hi[t] = rod[hi - 1];
#pragma omp barrier
			double left = t > 0 ? edge_hi[t - 1] : rod[lo];
			double right = t < nt - 1 ? edge_lo[t + 1] : rod[hi - 1];
			double prev = left;
			for (int i = lo; i < hi; i++) {
				double next = i + 1 < hi ? rod[i + 1] : right;
				double cur = rod[i];
				rod[i] = cur + 0.25 * (prev - 2 * cur + next);
				prev = cur;
			}
#pragma omp barrier
		}
	}

	double heat = 0;
	for (int i = 0; i < N; i++)
		heat += rod[i] * (i + 1);
	printf("weighted heat %.4f, middle %.4f\n", heat, rod[N / 2]);
	return 0;
}
