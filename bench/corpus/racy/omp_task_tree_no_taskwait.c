// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP recursive tasks without taskwait before combining results
// FLAGS: -fopenmp
// A `du`: the disk usage of a directory is that of its files plus that of its
// subdirectories, each computed by a task (recursively). du() adds up the
// children's totals without a taskwait first (RACE line in du()): it reads
// a child's `total` while the child's task, on another thread, still writes
// it (RACE lines at the start of du()).
#include <omp.h>

#include "../corpus.h"

#define NDIR 96
#define MAXF 6

struct dir {
	int first_child, next_sibling; /* -1: none */
	int nfiles;
	long size[MAXF]; /* file sizes, in bytes */
	long total;      /* disk usage of the subtree, in bytes */
};

static struct dir dirs[NDIR];

/* Disk space used by a file: whole 4 KiB blocks, plus an indirect block
 * every 1024 blocks, found by walking the (simulated) extent map. */
static long usage(long size)
{
	long blocks = (size + 4095) / 4096;
	unsigned long h = (unsigned long)size;
	for (int i = 0; i < 8; i++)
		h = crunch(h);
	return (blocks + blocks / 1024 + (long)(h & 1)) * 4096;
}

static void du(int d)
{
	struct dir *p = &dirs[d];
	for (int c = p->first_child; c >= 0; c = dirs[c].next_sibling) {
#pragma omp task firstprivate(c)
		du(c);
	}
	p->total = 4096; /* RACE: the directory itself ... */
	for (int k = 0; k < p->nfiles; k++) {
		p->total += usage(p->size[k]); /* RACE: ... and its files */
		opaque();
	}
	for (int c = p->first_child; c >= 0; c = dirs[c].next_sibling)
		p->total += dirs[c].total; /* RACE: no taskwait before this */
}

int main(void)
{
	unsigned long seed = 99;
	for (int d = 0; d < NDIR; d++) {
		seed = crunch(seed);
		dirs[d].first_child = -1;
		dirs[d].next_sibling = -1;
		dirs[d].nfiles = 1 + (int)((seed >> 35) % MAXF);
		for (int k = 0; k < dirs[d].nfiles; k++) {
			seed = crunch(seed);
			dirs[d].size[k] = (long)((seed >> 40) % (3 << 20));
		}
		if (d > 0) { /* link under a random earlier directory */
			int parent = (int)((seed >> 20) % (unsigned long)d);
			dirs[d].next_sibling = dirs[parent].first_child;
			dirs[parent].first_child = d;
		}
	}

#pragma omp parallel
#pragma omp single
	du(0);

	int big = 0;
	for (int d = 0; d < NDIR; d++)
		big += dirs[d].total > (8L << 20);
	printf("total %ld KiB, %d directories over 8 MiB\n", dirs[0].total >> 10, big);
	return 0;
}
