// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: race that happens once (global configuration pointer replaced once)
// A worker serves bursts of requests and looks up the retry policy through
// the global pointer `policy` for every request. A third of the way through,
// main switches the pointer once, from the default policy to the tuned one,
// with a plain store while the worker keeps reading it: one racy write
// against a few hundred reads (RACE lines: the read in handle(), the store
// in main()). Both policies are constant tables, so only the pointer races.
#include "../corpus.h"
#include <stdatomic.h>
#include <unistd.h>

#define REQUESTS 300

struct policy {
	unsigned retries;
	unsigned backoff;
	char name[16];
};

static const struct policy policies[2] = {
	{ 3, 100, "default" },
	{ 5, 40, "tuned" },
};
static const struct policy *policy = &policies[0];
static atomic_ulong served; /* progress, watched by main: relaxed, no ordering */

static unsigned long handle(unsigned long req)
{
	const struct policy *p = policy; /* RACE: plain read while main switches */
	unsigned long x = req;
	for (unsigned r = 0; r < p->retries * 48; r++)
		x = crunch(x + p->backoff);
	return x;
}

static void *worker(void *arg)
{
	unsigned long sum = 0, req = (unsigned long)arg << 32;
	for (int i = 0; i < REQUESTS; i++) {
		if (i % 50 == 0)
			usleep(50); /* wait for the next burst of requests */
		sum += handle(req++) >> 56;
		opaque();
		atomic_fetch_add_explicit(&served, 1, memory_order_relaxed);
	}
	return (void *)sum;
}

int main(void)
{
	pthread_t t;
	void *sum;
	pthread_create(&t, NULL, worker, (void *)1);
	while (atomic_load_explicit(&served, memory_order_relaxed) < REQUESTS / 3)
		usleep(20); /* check on the warm-up now and then */
	policy = &policies[1]; /* RACE: the one plain store, the worker still reading */
	pthread_join(t, &sum);
	printf("policy now %s, checksum %lu\n", policy->name,
	       (unsigned long)sum);
	return 0;
}
