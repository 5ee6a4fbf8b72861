// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP 2D loop with a row-to-row dependence (collapse(2))
// FLAGS: -fopenmp
// FIX: each column's running sum is a sequential chain, so the loop is made
// parallel over columns only (parallel for on j, the row loop inside): one
// thread owns a whole column and no collapse(2) splits a chain.
#include <stdio.h>

#define H 40
#define W 48

static unsigned int img[H][W], acc[H][W];

int main(void)
{
	for (int i = 0; i < H; i++)
		for (int j = 0; j < W; j++)
			img[i][j] = (unsigned int)((i * 7 + j * 3) % 17);
	for (int j = 0; j < W; j++)
		acc[0][j] = img[0][j];
#pragma omp parallel for
	for (int j = 0; j < W; j++)
		for (int i = 1; i < H; i++)
			acc[i][j] = img[i][j] + acc[i - 1][j];
	unsigned long check = 0;
	for (int i = 0; i < H; i++)
		for (int j = 0; j < W; j++)
			check = check * 31 + acc[i][j];
	printf("checksum = %lu, bottom-left = %u\n", check, acc[H - 1][0]);
	return 0;
}
