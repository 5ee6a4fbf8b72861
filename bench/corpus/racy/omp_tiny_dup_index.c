// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP scatter through an index array with one duplicate
// FLAGS: -fopenmp
// MISSED: the two racing updates are single accesses of the first and the
// last thread's chunks (iterations 3 and N-1), tens of microseconds apart in
// every run: no watch is ever on one while the other happens (0 of 1,800
// runs in any configuration); ThreadSanitizer's happens-before finds it.
// x[idx[i]] += 1.5 where two iterations far apart (3 and N-1, so on the
// first and the last thread) name the same cell.
#include <stdio.h>
#define N 400
double x[N];
int idx[N];
int main(void)
{
	for (int i = 0; i < N; i++)
		idx[i] = (i * 7) % N;
	idx[N - 1] = idx[3]; /* iterations 3 and N-1 update one cell */
	for (int i = 0; i < N; i++)
		x[i] = i;
#pragma omp parallel for
	for (int i = 0; i < N; i++)
		x[idx[i]] += 1.5; /* RACE: idx[3] == idx[N-1] */
	printf("x[idx[3]] = %f\n", x[idx[3]]);
	return 0;
}
