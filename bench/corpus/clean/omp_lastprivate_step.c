// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP shared scalar written by every iteration (missing lastprivate)
// FLAGS: -fopenmp
// FIX: `lastprivate(step)`: every thread works on its own `step`, and the
// value from the sequentially last iteration is copied out after the loop.
#include <stdio.h>

#define NP 1500

static double pos[NP], vel[NP];

int main(void)
{
	const double dt = 0.01;
	double step = 0.0;

	for (int p = 0; p < NP; p++) {
		pos[p] = 0.5 * p;
		vel[p] = (double)((p * 17) % 23) - 11.0;
	}
#pragma omp parallel for lastprivate(step)
	for (int p = 0; p < NP; p++) {
		step = vel[p] * dt;
		vel[p] *= 0.999;
		pos[p] += step;
	}
	double mean = 0.0;
	for (int p = 0; p < NP; p++)
		mean += pos[p];
	printf("last step = %.4f, mean position = %.4f\n", step, mean / NP);
	return 0;
}
