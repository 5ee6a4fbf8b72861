// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP shared scalar written by every iteration (missing lastprivate)
// FLAGS: -fopenmp
// MISSED: as compiled, each thread stores `step` once, after its chunk's last
// iteration, and the threads end their chunks at different times: two of
// those single stores are almost never within one watch of each other (0 of
// 7,985 runs of the smoke test, 0 of 40 at the defaults; an occasional catch
// in earlier sessions); ThreadSanitizer's happens-before finds it.
// A particle push: each iteration computes the displacement of one particle
// into `step`, declared outside the loop because the program reports the
// last particle's step afterwards. `step` is shared, so every thread writes
// it (RACE lines) and the value printed is whichever store came last. gcc
// -O2 keeps `step` in a register and stores it once per thread, after the
// thread's last iteration.
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
#pragma omp parallel for
	for (int p = 0; p < NP; p++) {
		step = vel[p] * dt; /* RACE: shared, written by every iteration */
		vel[p] *= 0.999;
		pos[p] += step;     /* RACE: read back; as compiled, the one store of step is here */
	}
	double mean = 0.0;
	for (int p = 0; p < NP; p++)
		mean += pos[p];
	printf("last step = %.4f, mean position = %.4f\n", step, mean / NP);
	return 0;
}
