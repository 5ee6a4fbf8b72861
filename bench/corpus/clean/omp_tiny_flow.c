// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP loop with a flow dependence (a[i+1] from a[i])
// FLAGS: -fopenmp
// The smallest kind of parallel loop: a thousand ints, one statement. Each
// thread's first iteration reads the element its neighbour writes last.
// FIX: the result goes to a second array, so no iteration reads what another writes.
#include <stdio.h>
#define N 1000
int a[N], b[N];
int main(void)
{
	for (int i = 0; i < N; i++)
		a[i] = i;
#pragma omp parallel for
	for (int i = 0; i < N - 1; i++)
		b[i + 1] = a[i] + 3;
	printf("b[500] = %d\n", b[500]);
	return 0;
}
