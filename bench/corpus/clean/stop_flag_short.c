// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: stop flag set by main and polled by workers with plain accesses
// FIX: `stop` is an atomic_int, stored with release and polled with acquire.
#include "../corpus.h"
#include <stdatomic.h>
#include <unistd.h>

#define CANDIDATES 1000 /* per worker */
#define ENOUGH 40

static atomic_int stop;
static atomic_ulong found; /* relaxed: a count, it orders nothing */
static unsigned long tested[2];

static void *worker(void *arg)
{
	long self = (long)arg;
	unsigned long x = (unsigned long)self << 40;
	int i;

	for (i = 0; i < CANDIDATES &&
		    !atomic_load_explicit(&stop, memory_order_acquire); i++) {
		if (i % 50 == 0)
			usleep(50); /* fetch the next batch of candidates */
		unsigned long c = x + (unsigned long)i;
		for (int k = 0; k < 48; k++)
			c = crunch(c); /* test the candidate */
		if ((c >> 61) == 0)
			atomic_fetch_add_explicit(&found, 1, memory_order_relaxed);
		opaque();
	}
	tested[self] = (unsigned long)i;
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	while (atomic_load_explicit(&found, memory_order_relaxed) < ENOUGH)
		usleep(20); /* check on the search now and then */
	atomic_store_explicit(&stop, 1, memory_order_release);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("found %s after %lu candidates\n",
	       atomic_load(&found) >= ENOUGH ? "enough" : "too few",
	       tested[0] + tested[1]);
	return 0;
}
