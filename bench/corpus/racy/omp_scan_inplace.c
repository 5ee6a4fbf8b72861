// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP in-place prefix sum reading a neighbour's element
// FLAGS: -fopenmp
// Turns bucket sizes into running offsets with a log-step (Hillis-Steele)
// inclusive scan: in the round for distance d, a[i] += a[i-d]. Run serially
// the in-place update is right because i counts down, so a[i-d] is read before
// it is updated. In parallel, the thread that owns index i-d may already be
// updating it in the same round (RACE line).
#include <stdio.h>

#define N 256

static unsigned int a[N];

int main(void)
{
	for (int i = 0; i < N; i++)
		a[i] = (unsigned int)((i * 7 + 3) % 10);
#pragma omp parallel
	for (int d = 1; d < N; d *= 2) {
#pragma omp for
		for (int i = N - 1; i >= d; i--)
			a[i] += a[i - d]; /* RACE: a[i-d] may be another thread's, updated this round */
	}
	printf("total = %u, a[N/2] = %u, a[N/3] = %u\n", a[N - 1], a[N / 2], a[N / 3]);
	return 0;
}
