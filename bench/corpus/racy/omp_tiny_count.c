// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP conditional counter without atomic
// FLAGS: -fopenmp
// Counting the elements above a threshold with count++ on a shared int.
#include <stdio.h>
#define N 900
int a[N];
int main(void)
{
	int count = 0;
	for (int i = 0; i < N; i++)
		a[i] = (i * 37) % 100;
#pragma omp parallel for
	for (int i = 0; i < N; i++)
		if (a[i] > 50)
			count++; /* RACE: count is shared */
	printf("count = %d\n", count);
	return 0;
}
