// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP loop with an anti dependence (a[i] from a[i+1])
// FLAGS: -fopenmp
// One statement over a thousand ints: iteration i reads a[i+1], which
// iteration i+1 (the first of the next thread's chunk) overwrites.
// FIX: reads from a, writes to b.
#include <stdio.h>
#define N 1000
int a[N], b[N];
int main(void)
{
	for (int i = 0; i < N; i++)
		a[i] = i;
#pragma omp parallel for
	for (int i = 0; i < N - 1; i++)
		b[i] = a[i + 1] * 2 + 1;
	printf("b[500] = %d\n", b[500]);
	return 0;
}
