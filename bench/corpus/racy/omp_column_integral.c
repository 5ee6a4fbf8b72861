// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP 2D loop with a row-to-row dependence (collapse(2))
// FLAGS: -fopenmp
// Vertical running sums of a small image, acc[i][j] = img[i][j] +
// acc[i-1][j]. collapse(2) splits the flattened rows x columns space into
// static chunks, so the first rows of each thread read the row above while
// the thread before it is writing that row (RACE line).
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
#pragma omp parallel for collapse(2)
	for (int i = 1; i < H; i++)
		for (int j = 0; j < W; j++)
			acc[i][j] = img[i][j] + acc[i - 1][j]; /* RACE: row i-1 may belong to another thread */
	unsigned long check = 0;
	for (int i = 0; i < H; i++)
		for (int j = 0; j < W; j++)
			check = check * 31 + acc[i][j];
	printf("checksum = %lu, bottom-left = %u\n", check, acc[H - 1][0]);
	return 0;
}
