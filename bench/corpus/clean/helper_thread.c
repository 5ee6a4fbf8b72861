// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: race inside a short-lived helper thread
// FIX: the progress counter is stored and loaded with relaxed atomics (a
// progress line needs no ordering, only freedom from tearing and races).
#include "../corpus.h"

#define ITEMS 40000

static unsigned long done_items;
static int finished;

static void *progress(void *arg)
{
	(void)arg;
	unsigned long last = 0, lines = 0;
	while (!__atomic_load_n(&finished, __ATOMIC_ACQUIRE)) {
		unsigned long now = __atomic_load_n(&done_items, __ATOMIC_RELAXED);
		if (now / 10000 != last / 10000)
			lines++;
		last = now;
		opaque();
	}
	return (void *)lines;
}

int main(void)
{
	pthread_t helper;
	pthread_create(&helper, NULL, progress, NULL);
	unsigned long x = 1;
	for (int i = 0; i < ITEMS; i++) {
		x = crunch(x);
		opaque();
		__atomic_store_n(&done_items, i + 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&finished, 1, __ATOMIC_RELEASE);
	pthread_join(helper, NULL);
	printf("processed %lu items\n", done_items);
	return 0;
}
