// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: adjacent bit-fields updated by different threads
// `dirty` and `busy` look like separate fields, but they share one storage
// unit: setting one is a read-modify-write of the whole byte, so two threads
// each touching "their own" flag race (RACE lines in cleaner() and owner()).
#include "../corpus.h"

struct page {
	unsigned int dirty : 1; /* owned by the owner thread */
	unsigned int busy : 1;  /* owned by the cleaner thread */
	unsigned int order : 6;
};

#define PAGES 64
static struct page pages[PAGES];

static void *owner(void *arg)
{
	unsigned long x = (unsigned long)arg + 3;
	for (int i = 0; i < 80000; i++) {
		x = crunch(x);
		opaque();
		pages[(x >> 33) % PAGES].dirty = (x >> 40) & 1; /* RACE */
	}
	return NULL;
}

static void *cleaner(void *arg)
{
	unsigned long x = (unsigned long)arg + 5;
	for (int i = 0; i < 80000; i++) {
		x = crunch(x);
		opaque();
		pages[(x >> 33) % PAGES].busy = (x >> 40) & 1; /* RACE */
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
