// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: non-atomic reference count
// Worker threads take and drop references to shared buffers with plain
// `b->refs++` / `b->refs--` (RACE lines in get() and put()): concurrent
// updates are lost, and a buffer can be freed while still in use.
#include "../corpus.h"

#define BUFS 4

struct buf {
	unsigned long refs;
	unsigned long data[7];
};

static struct buf bufs[BUFS];

static struct buf *get(int i)
{
	bufs[i].refs++; /* RACE */
	return &bufs[i];
}

static void put(struct buf *b)
{
	b->refs--; /* RACE */
}

static void *worker(void *arg)
{
	unsigned long x = (unsigned long)arg + 1, sum = 0;
	for (int r = 0; r < 20000; r++) {
		x = crunch(x);
		struct buf *b = get((int)((x >> 33) % BUFS));
		for (int k = 0; k < 8; k++) /* use the buffer while holding it */
			sum += crunch(sum ^ b->data[k % 7]);
		opaque();
		put(b);
	}
	return (void *)sum;
}

int main(void)
{
	for (int i = 0; i < BUFS; i++)
		bufs[i].refs = 1;
	run_threads(2, worker);
	printf("refs[0] = %lu\n", bufs[0].refs);
	return 0;
}
