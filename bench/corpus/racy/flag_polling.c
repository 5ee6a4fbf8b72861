// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: flag polling with a plain variable
// A worker loops until the main thread sets a plain `stop` flag. Besides the
// data race, the compiler may hoist the load out of the loop (here the
// opaque() call keeps it in). The racy lines are the poll in worker() and the
// store in main() (RACE).
#include "../corpus.h"
#include <unistd.h>

static int stop;
static unsigned long result;

static void *worker(void *arg)
{
	unsigned long x = (unsigned long)arg;
	while (!stop) { /* RACE: plain read polled while main writes */
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
	stop = 1; /* RACE: plain write */
	pthread_join(t, NULL);
	printf("stopped (%d)\n", result != 0);
	return 0;
}
