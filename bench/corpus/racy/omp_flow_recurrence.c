// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP loop-carried flow dependence (a[i+1] computed from a[i])
// FLAGS: -fopenmp
// A leaky integrator runs over a sampled signal: level[i+1] = 0.9 * level[i]
// + drive(raw[i]). The recurrence is split into static chunks, so the first
// iteration of each thread's chunk reads the level[] element that the thread
// before it writes in its last iteration (RACE line).
#include <stdio.h>

#define N 1200

static double raw[N], level[N + 1];

int main(void)
{
	for (int i = 0; i < N; i++)
		raw[i] = (double)((i * 37) % 101) / 50.0;
	level[0] = 0.0;
#pragma omp parallel for
	for (int i = 0; i < N; i++) {
		double r = raw[i];
		double drive = r * r / (1.0 + r);
		level[i + 1] = 0.9 * level[i] + drive; /* RACE: level[i] is written by iteration i-1 */
	}
	printf("level[N] = %.6f\n", level[N]);
	return 0;
}
