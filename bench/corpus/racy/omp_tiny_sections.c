// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP sections that both update one variable
// FLAGS: -fopenmp
// Two sections add to the same total with no atomic.
#include <stdio.h>
int main(void)
{
	int total = 10;
#pragma omp parallel sections
	{
#pragma omp section
		total += 3; /* RACE: both sections update total */
#pragma omp section
		total *= 2; /* RACE */
	}
	printf("total = %d\n", total);
	return 0;
}
