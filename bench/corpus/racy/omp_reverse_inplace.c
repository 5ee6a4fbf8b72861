// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP in-place reversal: a[i] written while a[n-1-i] is read
// FLAGS: -fopenmp
// Mirrors a scan line of 8-bit pixels. flip_row() was written for separate
// source and destination rows, dst[i] = src[n-1-i]; main calls it in place
// with dst == src. Iteration i then reads row[n-1-i], which the thread that
// owns the mirrored index writes (RACE line).
#include <stdio.h>

#define W 1500

static unsigned char row[W];

static void flip_row(unsigned char *dst, const unsigned char *src, int n)
{
#pragma omp parallel for
	for (int i = 0; i < n; i++)
		dst[i] = src[n - 1 - i]; /* RACE: src[n-1-i] is dst[n-1-i] of another thread */
}

int main(void)
{
	for (int i = 0; i < W; i++)
		row[i] = (unsigned char)((i * i + 3 * i) % 251);
	flip_row(row, row, W);
	unsigned long h = 0;
	for (int i = 0; i < W; i++)
		h = h * 131 + row[i];
	printf("row hash = %lu, row[0] = %u\n", h, row[0]);
	return 0;
}
