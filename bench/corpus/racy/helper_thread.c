// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: race inside a short-lived helper thread
// A command-line tool starts a helper thread to print progress while the
// main thread processes its input; the helper reads the plain progress
// counter the main thread keeps updating, and lives only as long as the
// job (a few milliseconds). RACE lines: the helper's read of `done_items`
// and the main thread's update.
#include "../corpus.h"

#define ITEMS 40000

static unsigned long done_items;
static int finished;

static void *progress(void *arg)
{
	(void)arg;
	unsigned long last = 0, lines = 0;
	while (!__atomic_load_n(&finished, __ATOMIC_ACQUIRE)) {
		unsigned long now = done_items; /* RACE: read while main updates */
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
		done_items = i + 1; /* RACE: plain update */
	}
	__atomic_store_n(&finished, 1, __ATOMIC_RELEASE);
	pthread_join(helper, NULL);
	printf("processed %lu items\n", done_items);
	return 0;
}
