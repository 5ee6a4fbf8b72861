// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: flag polling with a plain variable
// FIX: the flag is a C11 atomic_bool, stored with release and polled with
// acquire.
#include "../corpus.h"
#include <stdatomic.h>
#include <unistd.h>

static atomic_bool stop;
static unsigned long result;

static void *worker(void *arg)
{
	unsigned long x = (unsigned long)arg;
	while (!atomic_load_explicit(&stop, memory_order_acquire)) {
		x = crunch(x);
		opaque();
	}
	result = x;
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, (void *)1);
	usleep(20000);
	atomic_store_explicit(&stop, 1, memory_order_release);
	pthread_join(t, NULL);
	printf("stopped (%d)\n", result != 0);
	return 0;
}
