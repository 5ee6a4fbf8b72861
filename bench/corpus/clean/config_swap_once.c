// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: race that happens once (global configuration pointer replaced once)
// FIX: `policy` is an _Atomic pointer, switched with a release store and read
// with acquire loads.
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
static const struct policy *_Atomic policy = &policies[0];
static atomic_ulong served; /* progress, watched by main: relaxed, no ordering */

static unsigned long handle(unsigned long req)
{
	const struct policy *p = atomic_load_explicit(&policy, memory_order_acquire);
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
	atomic_store_explicit(&policy, &policies[1], memory_order_release);
	pthread_join(t, &sum);
	printf("policy now %s, checksum %lu\n",
	       atomic_load_explicit(&policy, memory_order_relaxed)->name,
	       (unsigned long)sum);
	return 0;
}
