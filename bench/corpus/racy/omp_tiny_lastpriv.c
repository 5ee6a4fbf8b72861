// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP loop writing a shared scalar (missing lastprivate)
// FLAGS: -fopenmp
// x = b[i] * 2 in every iteration, x shared: gcc computes only each
// thread's last iteration and stores x once per thread.
#include <stdio.h>
#define N 800
double b[N];
int main(void)
{
	double x = 0;
	for (int i = 0; i < N; i++)
		b[i] = i * 0.5;
#pragma omp parallel for
	for (int i = 0; i < N; i++)
		x = b[i] * 2.0; /* RACE: x is shared */
	printf("x = %f\n", x);
	return 0;
}
