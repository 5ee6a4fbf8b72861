// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: adjacent bit-fields updated by different threads
// FIX: the flags that different threads own are separate bytes (plain
// `unsigned char` members), so each thread writes only memory it owns.
#include "../corpus.h"

struct page {
	unsigned char dirty; /* owned by the owner thread */
	unsigned char busy;  /* owned by the cleaner thread */
	unsigned char order;
};

#define PAGES 64
static struct page pages[PAGES];

static void *owner(void *arg)
{
	unsigned long x = (unsigned long)arg + 3;
	for (int i = 0; i < 80000; i++) {
		x = crunch(x);
		opaque();
		pages[(x >> 33) % PAGES].dirty = (x >> 40) & 1;
	}
	return NULL;
}

static void *cleaner(void *arg)
{
	unsigned long x = (unsigned long)arg + 5;
	for (int i = 0; i < 80000; i++) {
		x = crunch(x);
		opaque();
		pages[(x >> 33) % PAGES].busy = (x >> 40) & 1;
	}
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, owner, NULL);
	pthread_create(&b, NULL, cleaner, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("page 0: order %u\n", pages[0].order);
	return 0;
}
