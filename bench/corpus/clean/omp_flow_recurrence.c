// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP loop-carried flow dependence (a[i+1] computed from a[i])
// FLAGS: -fopenmp
// FIX: the recurrence step runs in an `ordered` region, so iteration i+1
// reads level[i+1] only after iteration i has written it; the drive term is
// still computed in parallel.
#include <stdio.h>

#define N 1200

static double raw[N], level[N + 1];

int main(void)
{
	for (int i = 0; i < N; i++)
		raw[i] = (double)((i * 37) % 101) / 50.0;
	level[0] = 0.0;
#pragma omp parallel for ordered
	for (int i = 0; i < N; i++) {
		double r = raw[i];
		double drive = r * r / (1.0 + r);
#pragma omp ordered
		level[i + 1] = 0.9 * level[i] + drive;
	}
	printf("level[N] = %.6f\n", level[N]);
	return 0;
}
