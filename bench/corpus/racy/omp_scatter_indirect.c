// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP scatter through an index array that repeats indices
// FLAGS: -fopenmp
// A 1D particle-in-cell step: the first loop moves the particles and records
// the cell each one is in; the second deposits their charge on the grid
// (cloud-in-cell: a share to cell[p] and a share to cell[p]+1). cell[] maps
// many particles to the same cell, and those particles are spread over the
// whole array, so iterations run by different threads update the same rho[]
// element without synchronisation (RACE lines).
#include <stdio.h>

#define NP 800
#define NC 64

static double x[NP], v[NP], q[NP], rho[NC + 1];
static int cell[NP];

int main(void)
{
	const double dt = 0.05;

	for (int p = 0; p < NP; p++) {
		x[p] = (double)((p * 2654435761u) % 6400u) / 100.0;
		v[p] = (double)((p * 7) % 19) - 9.0;
		q[p] = 1.0 + 0.25 * (p % 5);
	}
#pragma omp parallel
	{
#pragma omp for
		for (int p = 0; p < NP; p++) {
			double nx = x[p] + v[p] * dt;
			if (nx < 0.0)
				nx += NC;
			if (nx >= NC) /* also catches -1e-17 + NC rounding to NC */
				nx -= NC;
			x[p] = nx;
			cell[p] = (int)nx;
		}
#pragma omp for
		for (int p = 0; p < NP; p++) {
			double f = x[p] - cell[p];
			rho[cell[p]] += q[p] * (1.0 - f); /* RACE: other threads' particles share the cell */
			rho[cell[p] + 1] += q[p] * f;     /* RACE: likewise */
		}
	}
	rho[0] += rho[NC]; /* periodic grid */
	double m = 0.0;
	for (int c = 0; c < NC; c++)
		m += rho[c] * (c + 0.5);
	printf("first moment of rho = %.4f\n", m);
	return 0;
}
