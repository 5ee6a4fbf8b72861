// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP firstprivate pointer to shared data
// FLAGS: -fopenmp
// FIX: `scratch` is an array, not a pointer to a heap buffer, and is
// `private`: each thread gets its own copy of the buffer itself.
// Scores text lines against a keyword profile. Each line is first
// normalised into a scratch buffer, one per thread.
#include <omp.h>

#include "../corpus.h"

#define NLINE 48
#define LEN 32

static char text[NLINE][LEN];
static int score[NLINE];

static int weight(char c)
{
	unsigned long h = (unsigned long)c;
	for (int i = 0; i < 3; i++)
		h = crunch(h);
	return (int)(h % 5);
}

int main(void)
{
	unsigned long seed = 1;
	for (int l = 0; l < NLINE; l++) {
		for (int i = 0; i < LEN - 1; i++) {
			seed = crunch(seed);
			text[l][i] = (char)((seed >> 59) < 3 ? ' ' : ((seed >> 59) & 1 ? 'A' : 'a') + (seed >> 40) % 26);
		}
		text[l][LEN - 1] = 0;
	}

	char scratch[LEN];
#pragma omp parallel for private(scratch) schedule(dynamic, 2)
	for (int l = 0; l < NLINE; l++) {
		int n = 0;
		for (int i = 0; text[l][i]; i++) /* lower case, no spaces */
			if (text[l][i] != ' ')
				scratch[n++] = (char)(text[l][i] | 0x20);
		int s = 0;
		for (int i = 0; i < n; i++)
			s += weight(scratch[i]) * (i + 1);
		score[l] = s;
	}

	long total = 0;
	int best = 0;
	for (int l = 0; l < NLINE; l++) {
		total += score[l];
		if (score[l] > score[best])
			best = l;
	}
	printf("total score %ld, best line %d\n", total, best);
	return 0;
}
