// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP sections that both update one variable
// FLAGS: -fopenmp
// Two sections add to the same total with no atomic.
// FIX: both updates in one critical.
#include <stdio.h>
int main(void)
{
	int total = 10;
#pragma omp parallel sections
	{
#pragma omp section
		{
#pragma omp critical
			total += 3;
		}
#pragma omp section
		{
#pragma omp critical
			total *= 2;
		}
	}
	printf("total = %d\n", total);
	return 0;
}
