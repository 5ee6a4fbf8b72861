// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP atomic update with a plain read of the same variable
// FLAGS: -fopenmp
// A file hasher with a progress log: each thread hashes a block, adds its
// length to `done_bytes` with `#pragma omp atomic`, then logs the progress
// so far. The log reads `done_bytes` with a plain load (RACE line), racing
// with the atomic updates of the other threads.
#include <omp.h>

#include "../corpus.h"

#define NBLK 160
#define WORDS 12 /* words hashed per block */

static unsigned data[NBLK][WORDS];
static int blk_len[NBLK];
static unsigned long digest[NBLK];
static signed char progress[NBLK]; /* percent done, logged after each block */
static long done_bytes;
static long total_bytes;

int main(void)
{
	unsigned long seed = 5;
	for (int b = 0; b < NBLK; b++) {
		for (int k = 0; k < WORDS; k++) {
			seed = crunch(seed);
			data[b][k] = (unsigned)(seed >> 32);
		}
		blk_len[b] = b == NBLK - 1 ? 1234 : 65536;
		total_bytes += blk_len[b];
	}

#pragma omp parallel for schedule(dynamic, 2)
	for (int b = 0; b < NBLK; b++) {
		unsigned long h = (unsigned long)b;
		for (int k = 0; k < WORDS; k++)
			h = crunch(h ^ data[b][k]);
		digest[b] = h;
#pragma omp atomic
		done_bytes += blk_len[b];
		progress[b] = (signed char)(done_bytes * 100 / total_bytes); /* RACE: plain read */
	}

	unsigned long all = 0;
	int milestones = 0;
	for (int b = 0; b < NBLK; b++) {
		all ^= digest[b] + (unsigned long)b;
		milestones += progress[b] % 25 == 0;
	}
	printf("digest %016lx, %ld bytes, %s\n", all, done_bytes,
	       milestones ? "milestones logged" : "no milestone");
	return 0;
}
