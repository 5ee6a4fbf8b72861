// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP in-place reversal: a[i] written while a[n-1-i] is read
// FLAGS: -fopenmp
// FIX: the in-place flip swaps pairs: iteration i of the first n/2 exchanges
// row[i] and row[n-1-i], so every element is touched by exactly one
// iteration.
#include <stdio.h>

#define W 1500

static unsigned char row[W];

static void flip_row_inplace(unsigned char *buf, int n)
{
#pragma omp parallel for
	for (int i = 0; i < n / 2; i++) {
		unsigned char t = buf[i];
		buf[i] = buf[n - 1 - i];
		buf[n - 1 - i] = t;
	}
}

int main(void)
{
	for (int i = 0; i < W; i++)
		row[i] = (unsigned char)((i * i + 3 * i) % 251);
	flip_row_inplace(row, W);
	unsigned long h = 0;
	for (int i = 0; i < W; i++)
		h = h * 131 + row[i];
	printf("row hash = %lu, row[0] = %u\n", h, row[0]);
	return 0;
}
