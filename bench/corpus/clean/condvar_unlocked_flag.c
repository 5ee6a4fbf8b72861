// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: condition variable predicate set without the mutex
// FIX: the producer updates the predicate while holding the mutex, then
// signals; the consumer sleeps on the condition variable.
#include "../corpus.h"

#define JOBS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned long pending;
static int quit;

static void *consumer(void *arg)
{
	(void)arg;
	unsigned long taken = 0;
	pthread_mutex_lock(&lock);
	for (;;) {
		if (pending > 0) {
			pending--;
			taken++;
			continue;
		}
		if (quit)
			break;
		pthread_cond_wait(&cond, &lock);
	}
	pthread_mutex_unlock(&lock);
	return (void *)taken;
}

int main(void)
{
	pthread_t c;
	pthread_create(&c, NULL, consumer, NULL);
	unsigned long x = 1;
	for (int i = 0; i < JOBS; i++) {
		x = crunch(x);
		opaque();
		pthread_mutex_lock(&lock);
		pending++;
		pthread_mutex_unlock(&lock);
		pthread_cond_signal(&cond);
	}
	pthread_mutex_lock(&lock);
	quit = 1;
	pthread_mutex_unlock(&lock);
	pthread_cond_signal(&cond);
	pthread_join(c, NULL);
	printf("done\n");
	return 0;
}
