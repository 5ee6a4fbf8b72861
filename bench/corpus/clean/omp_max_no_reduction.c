// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP max without a reduction clause
// FLAGS: -fopenmp
// FIX: `reduction(max : deepest)`: each thread tracks its own maximum and
// OpenMP combines them at the end of the loop.
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
#pragma omp for schedule(guided) reduction(max : deepest)
		for (int p = 0; p < GH * GW; p++) {
			double cr = cre[p % GW], ci = cim[p / GW];
			double zr = 0.0, zi = 0.0;
			int it = inside[p] ? MAXIT : 0;
			while (it < MAXIT && zr * zr + zi * zi < 4.0) {
				double t = zr * zr - zi * zi + cr;
				zi = 2.0 * zr * zi + ci;
				zr = t;
				it++;
			}
			if (it > deepest)
				deepest = it;
			iters[p] = (unsigned short)it;
		}
	}
	long total = 0;
	for (int p = 0; p < GH * GW; p++)
		total += iters[p];
	printf("deepest = %d, total = %ld\n", deepest, total);
	return 0;
}
