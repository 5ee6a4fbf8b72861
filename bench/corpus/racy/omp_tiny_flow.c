// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP loop with a flow dependence (a[i+1] from a[i])
// FLAGS: -fopenmp
// The smallest kind of parallel loop: a thousand ints, one statement. Each
// thread's first iteration reads the element its neighbour writes last.
#include <stdio.h>
#define N 1000
int a[N];
int main(void)
{
	for (int i = 0; i < N; i++)
		a[i] = i;
#pragma omp parallel for
	for (int i = 0; i < N - 1; i++)
		a[i + 1] = a[i] + 3; /* RACE: a[i] is written by iteration i-1 */
	printf("a[500] = %d\n", a[500]);
	return 0;
}
