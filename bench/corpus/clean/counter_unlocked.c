// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked counter
// FIX: the counter is updated under a pthread mutex.
#include "../corpus.h"

static unsigned long handled;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	unsigned long x = (unsigned long)arg;
	for (int i = 0; i < 100000; i++) {
		x = crunch(x); /* handle one request */
		opaque();
		pthread_mutex_lock(&lock);
		handled++;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	run_threads(2, worker);
	printf("handled %lu requests\n", handled);
	return 0;
}
