// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP loop-carried output dependence (two iterations write one element)
// FLAGS: -fopenmp
// 2x linear upsampling of a short signal: segment i writes up[2i], the
// midpoint up[2i+1] and, to close the segment, up[2i+2]. That last element is
// also iteration i+1's up[2i]: at each static chunk boundary two threads write
// the same element (RACE lines).
#include <stdio.h>

#define NS 700

static double s[NS], up[2 * NS - 1];

int main(void)
{
	for (int i = 0; i < NS; i++)
		s[i] = (double)((i * 53) % 89) - 44.0;
#pragma omp parallel for
	for (int i = 0; i < NS - 1; i++) {
		up[2 * i] = s[i];                        /* RACE: also written by iteration i-1 */
		up[2 * i + 1] = 0.5 * (s[i] + s[i + 1]);
		up[2 * i + 2] = s[i + 1];                /* RACE: also written by iteration i+1 */
	}
	double e = 0.0;
	for (int i = 0; i < 2 * NS - 1; i++)
		e += up[i] * up[i] * (double)(i % 5 + 1);
	printf("weighted energy = %.2f\n", e);
	return 0;
}
