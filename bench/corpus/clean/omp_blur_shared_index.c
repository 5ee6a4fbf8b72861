// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP loop with a missing private clause (inner loop index)
// FLAGS: -fopenmp
// FIX: `private(dy, dx)` gives every thread its own kernel indices.
#include <stdio.h>

#define H 24
#define W 24

static const int ker[3][3] = { { 1, 2, 1 }, { 2, 4, 2 }, { 1, 2, 1 } };
static unsigned char img[H][W], out[H][W];

int main(void)
{
	int y, x, dy, dx;
	unsigned long check = 0;

	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			img[y][x] = (unsigned char)((y * 11 + x * 5 + (x * y) % 7) % 251);
#pragma omp parallel for collapse(2) private(dy, dx)
	for (y = 1; y < H - 1; y++)
		for (x = 1; x < W - 1; x++) {
			int s = 0;
			for (dy = -1; dy <= 1; dy++)
				for (dx = -1; dx <= 1; dx++)
					s += ker[dy + 1][dx + 1] * img[y + dy][x + dx];
			out[y][x] = (unsigned char)(s / 16);
		}
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			check = check * 33 + out[y][x];
	printf("checksum = %lu\n", check);
	return 0;
}
