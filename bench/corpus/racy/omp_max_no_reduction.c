// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP max without a reduction clause
// FLAGS: -fopenmp
// Escape-time counts for a small grid of points of the complex plane. A
// first loop marks the points of the main cardioid and the period-2 bulb,
// which never escape; the second iterates the others, whose cost varies a
// lot, hence schedule(guided), and tracks the deepest count in the shared
// `deepest` (RACE lines): threads read and write it without synchronisation,
// so a larger count can be overwritten. gcc -O2 keeps `deepest` in a register
// within a chunk: one load at the start of each chunk and one store at its
// end if it changed (those lines are marked RACE too).
#include <stdio.h>

#define GW 48
#define GH 32
#define MAXIT 600

static double cre[GW], cim[GH];
static unsigned char inside[GH * GW];
static unsigned short iters[GH * GW];

int main(void)
{
	int deepest = 0;

	for (int c = 0; c < GW; c++)
		cre[c] = -2.1 + 2.7 * c / GW;
	for (int r = 0; r < GH; r++)
		cim[r] = -1.25 + 2.5 * r / GH;
#pragma omp parallel
	{
#pragma omp for
		for (int p = 0; p < GH * GW; p++) {
			double cr = cre[p % GW], ci = cim[p / GW];
			double q = (cr - 0.25) * (cr - 0.25) + ci * ci;
			inside[p] = q * (q + (cr - 0.25)) <= 0.25 * ci * ci ||
				    (cr + 1.0) * (cr + 1.0) + ci * ci <= 0.0625;
		}
#pragma omp for schedule(guided)
		for (int p = 0; p < GH * GW; p++) { /* RACE: as compiled, deepest is loaded here per chunk */
			double cr = cre[p % GW], ci = cim[p / GW];
			double zr = 0.0, zi = 0.0;
			int it = inside[p] ? MAXIT : 0;
			while (it < MAXIT && zr * zr + zi * zi < 4.0) {
				double t = zr * zr - zi * zi + cr;
				zi = 2.0 * zr * zi + ci;
				zr = t;
				it++;
			}
			if (it > deepest)     /* RACE: shared maximum read ... */
				deepest = it; /* RACE: ... and written without synchronisation */
			iters[p] = (unsigned short)it; /* RACE: as compiled, deepest is stored here per chunk */
		}
	}
	long total = 0;
	for (int p = 0; p < GH * GW; p++)
		total += iters[p];
	printf("deepest = %d, total = %ld\n", deepest, total);
	return 0;
}
