// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP in-place prefix sum reading a neighbour's element
// FLAGS: -fopenmp
// FIX: each round reads one buffer and writes the other (double buffering);
// the implicit barrier at the end of each round's loop separates a round's
// reads of a buffer from the next round's writes to it. After the 8 rounds
// (N = 256) the result is back in a[].
#include <stdio.h>

#define N 256

static unsigned int a[N], b[N];

int main(void)
{
	for (int i = 0; i < N; i++)
		a[i] = (unsigned int)((i * 7 + 3) % 10);
#pragma omp parallel
	{
		unsigned int *src = a, *dst = b;
		for (int d = 1; d < N; d *= 2) {
#pragma omp for
			for (int i = N - 1; i >= 0; i--)
				dst[i] = i >= d ? src[i] + src[i - d] : src[i];
			unsigned int *t = src;
			src = dst;
			dst = t;
		}
	}
	printf("total = %u, a[N/2] = %u, a[N/3] = %u\n", a[N - 1], a[N / 2], a[N / 3]);
	return 0;
}
