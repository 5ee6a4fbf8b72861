// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: stop flag set by main and polled by workers with plain accesses
// Two workers test batches of candidates and count the good ones in an
// atomic counter; main watches the counter and, once 40 good candidates are
// known, tells the workers to stop with a plain `stop = 1`. Each worker
// polls the plain flag once per candidate, a few hundred times in all (RACE
// lines: the poll in worker(), the store in main()).
#include "../corpus.h"
#include <stdatomic.h>
#include <unistd.h>

#define CANDIDATES 1000 /* per worker */
#define ENOUGH 40

static int stop;
static atomic_ulong found; /* relaxed: a count, it orders nothing */
static unsigned long tested[2];

static void *worker(void *arg)
{
	long self = (long)arg;
	unsigned long x = (unsigned long)self << 40;
	int i;

	for (i = 0; i < CANDIDATES && !stop; i++) { /* RACE: plain poll */
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
	stop = 1; /* RACE: plain store while the workers poll */
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("found %s after %lu candidates\n",
	       atomic_load(&found) >= ENOUGH ? "enough" : "too few",
	       tested[0] + tested[1]);
	return 0;
}
