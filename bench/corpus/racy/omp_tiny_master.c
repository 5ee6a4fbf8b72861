// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP master write read by all threads without a barrier
// FLAGS: -fopenmp
// master has no implied barrier: the other threads read the shared value
// while the master thread may still be writing it.
#include <stdio.h>
int main(void)
{
	int shared = 0;
	long tot = 0;
#pragma omp parallel reduction(+ : tot)
	{
#pragma omp master
		shared = 17; /* RACE: written by the master... */
		tot += shared; /* RACE: ...read by every thread, no barrier */
	}
	printf("%ld\n", tot);
	return 0;
}
