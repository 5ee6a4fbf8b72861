// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP loop with a shared temporary (missing private)
// FLAGS: -fopenmp
// tmp is declared before the loop, so every thread writes and reads the
// same variable.
#include <stdio.h>
#define N 600
int a[N], b[N];
int main(void)
{
	int tmp;
	for (int i = 0; i < N; i++)
		a[i] = i % 17;
#pragma omp parallel for
	for (int i = 0; i < N; i++) {
		tmp = a[i] + i; /* RACE: tmp is shared */
		b[i] = tmp * tmp;
	}
	printf("b[100] = %d\n", b[100]);
	return 0;
}
