// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP nowait between a loop and the loop that reads its result
// FLAGS: -fopenmp
// The first loop doubles a[i]; nowait lets a thread start the second loop,
// which reads a[N-1-i] from another thread's chunk of the first.
#include <stdio.h>
#define N 500
double a[N], b[N];
int main(void)
{
	for (int i = 0; i < N; i++)
		a[i] = i;
#pragma omp parallel
	{
#pragma omp for nowait
		for (int i = 0; i < N; i++)
			a[i] = a[i] * 2 + 1; /* RACE: written here... */
#pragma omp for
		for (int i = 0; i < N; i++)
			b[i] = a[N - 1 - i]; /* RACE: ...read here by another thread */
	}
	printf("b[7] = %f\n", b[7]);
	return 0;
}
