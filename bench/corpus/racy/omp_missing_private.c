// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP loop with a missing private clause
// FLAGS: -fopenmp
// `tmp` is declared outside the parallel loop, so it is shared by default:
// every thread writes and reads the same variable (RACE lines in the loop).
// The fix is `private(tmp)` or declaring it inside the loop.
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
#pragma omp parallel for schedule(static)
		for (int i = 0; i < N; i++) {
			tmp = in[i] * 2.0;     /* RACE: shared temporary */
			opaque();
			out[i] = tmp + 1.0;    /* RACE: read back, maybe another thread's */
		}
	}
	printf("out[N-1] = %.1f\n", out[N - 1]);
	return 0;
}
