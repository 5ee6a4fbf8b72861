// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP task whose result is read without taskwait
// FLAGS: -fopenmp
// Inside single, a task computes r; the creating thread reads r right
// away, while another thread may be running the task.
#include <stdio.h>
int main(void)
{
	int r = 0, q = 0;
#pragma omp parallel
#pragma omp single
	{
#pragma omp task shared(r)
		r = 42; /* RACE: written by the task... */
		q = r + 1; /* RACE: ...read without taskwait */
	}
	printf("%d %d\n", r, q);
	return 0;
}
