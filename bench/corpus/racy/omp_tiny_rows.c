// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP 2D loop parallelised over rows that depend on the row above
// FLAGS: -fopenmp
// m[i][j] = m[i-1][j] + 1 with the outer (row) loop parallel: the first row
// of each thread's block reads the last row of the previous block.
#include <stdio.h>
#define R 64
#define C 64
int m[R][C];
int main(void)
{
	for (int j = 0; j < C; j++)
		m[0][j] = j;
#pragma omp parallel for
	for (int i = 1; i < R; i++)
		for (int j = 0; j < C; j++)
			m[i][j] = m[i - 1][j] + 1; /* RACE: row i-1 belongs to another thread */
	printf("m[R-1][5] = %d\n", m[R - 1][5]);
	return 0;
}
