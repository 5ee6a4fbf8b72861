// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP sum without a reduction clause
// FLAGS: -fopenmp
// s += b[i] with s shared: gcc keeps s in a register, so each thread loads
// it once before its chunk and stores it once after.
// FIX: reduction(+:s).
#include <stdio.h>
#define N 1200
double b[N];
int main(void)
{
	double s = 0;
	for (int i = 0; i < N; i++)
		b[i] = i * 0.5;
#pragma omp parallel for reduction(+ : s)
	for (int i = 0; i < N; i++)
		s += b[i];
	printf("s = %f\n", s);
	return 0;
}
