// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP single nowait publishing a value the others read
// FLAGS: -fopenmp
// single nowait lets the other threads go on and read the value the single
// thread may still be writing.
#include <stdio.h>
int main(void)
{
	int limit = 0;
	long sum = 0;
#pragma omp parallel reduction(+ : sum)
	{
#pragma omp single nowait
		limit = 250; /* RACE: written by one thread... */
		for (int i = 0; i < limit; i++) /* RACE: ...read by the others */
			sum += i;
	}
	printf("sum = %ld\n", sum);
	return 0;
}
