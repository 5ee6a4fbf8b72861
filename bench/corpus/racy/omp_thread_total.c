// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP per-thread partial count added to a shared total without atomic
// FLAGS: -fopenmp
// Counts the words of a small generated text, line by line; lines differ in
// length, hence schedule(dynamic). Each thread counts into its own `mine`
// and, after the loop, adds it to the shared `words` with a plain
// `words += mine` (RACE line): the threads' read-add-write sequences can
// interleave and lose a thread's count.
#include <stdio.h>

#define NL 150
#define LL 40

static char text[NL][LL + 1];

int main(void)
{
	long words = 0;
	unsigned int seed = 12345u;

	for (int l = 0; l < NL; l++) {
		int len = 8 + (l * 7) % (LL - 7);
		for (int c = 0; c < len; c++) {
			seed = seed * 1103515245u + 12345u;
			text[l][c] = (seed >> 16) % 6 == 0 ? ' ' : (char)('a' + (seed >> 20) % 26);
		}
		text[l][len] = '\0';
	}
#pragma omp parallel
	{
		long mine = 0;
#pragma omp for schedule(dynamic)
		for (int l = 0; l < NL; l++) {
			int in_word = 0;
			for (const char *s = text[l]; *s; s++) {
				if (*s != ' ' && !in_word)
					mine++;
				in_word = *s != ' ';
			}
		}
		words += mine; /* RACE: every thread adds its count without synchronisation */
	}
	printf("%ld words in %d lines\n", words, NL);
	return 0;
}
