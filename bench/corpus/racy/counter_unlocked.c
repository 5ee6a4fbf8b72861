// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked counter
// Two workers count the requests they handle in one global counter with a
// plain `handled++` (a read and a write): increments are lost when both read
// the same old value. The racy line is marked RACE.
#include "../corpus.h"

static unsigned long handled;

static void *worker(void *arg)
{
	unsigned long x = (unsigned long)arg;
	for (int i = 0; i < 100000; i++) {
		x = crunch(x); /* handle one request */
		opaque();
		handled++; /* RACE: read-modify-write by both workers */
	}
	return NULL;
}

int main(void)
{
	run_threads(2, worker);
	printf("handled %lu requests\n", handled);
	return 0;
}
