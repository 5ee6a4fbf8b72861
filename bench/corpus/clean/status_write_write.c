// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: write/write race on a status field
// FIX: `stage` is an atomic_int written with atomic_store_explicit(relaxed):
// the last store still wins, as intended, but without a data race.
#include "../corpus.h"
#include <sched.h>
#include <stdatomic.h>

enum stage { IDLE, FRONT_HALF, BACK_HALF, DONE };

struct batch {
	atomic_int stage; /* what the batch is busy with, for the watchdog */
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
		atomic_store_explicit(&batch.stage, self ? BACK_HALF : FRONT_HALF,
				      memory_order_relaxed);
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
	printf("last stage %d, checksum %lu\n",
	       atomic_load_explicit(&batch.stage, memory_order_relaxed),
	       batch.sum[0] + batch.sum[1]);
	atomic_store_explicit(&batch.stage, DONE, memory_order_relaxed);
	return 0;
}
