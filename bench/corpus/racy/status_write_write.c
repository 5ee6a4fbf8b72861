// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: write/write race on a status field
// Two workers drain the front and the back half of a batch; before each item
// a worker records which half it is in with a plain store to the shared
// `batch.stage` (each worker stores its own value). Nobody reads the field
// until both workers are joined, so only the stores race (RACE line in
// worker()); the field ends up with whichever store came last.
#include "../corpus.h"
#include <sched.h>
#include <stdatomic.h>

enum stage { IDLE, FRONT_HALF, BACK_HALF, DONE };

struct batch {
	enum stage stage; /* what the batch is busy with, for the watchdog */
	unsigned long sum[2];
};

static struct batch batch;
static atomic_int arrived;

/* The workers start their halves together, as when one event wakes both. */
static void start_together(int n)
{
	atomic_fetch_add(&arrived, 1);
	while (atomic_load(&arrived) < n)
		sched_yield();
}

static void *worker(void *arg)
{
	long self = (long)arg;
	unsigned long x = (unsigned long)self + 1, acc = 0;

	start_together(2);
	for (int item = 0; item < 200; item++) {
		batch.stage = self ? BACK_HALF : FRONT_HALF; /* RACE: both workers store */
		for (int k = 0; k < 128; k++)
			x = crunch(x); /* process one item */
		acc += x >> 60;
		opaque();
	}
	batch.sum[self] = acc;
	return NULL;
}

int main(void)
{
	run_threads(2, worker);
	printf("last stage %d, checksum %lu\n", (int)batch.stage,
	       batch.sum[0] + batch.sum[1]);
	batch.stage = DONE;
	return 0;
}
