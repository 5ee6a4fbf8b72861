// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: condition variable predicate set without the mutex
// The producer sets the `pending` predicate and signals without holding the
// mutex the consumer checks it under: besides lost wake-ups, the producer's
// plain write races with the consumer's locked read. RACE lines: the
// producer's `pending++` and the consumer's check.
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
		if (pending > 0) { /* RACE: read under the lock, written without it */
			pending--;
			taken++;
			continue;
		}
		if (__atomic_load_n(&quit, __ATOMIC_ACQUIRE))
			break;
		struct timespec ts = { 0, 0 }; /* poll: a wake-up may be lost */
		pthread_cond_timedwait(&cond, &lock, &ts);
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
		pending++; /* RACE: no mutex held */
		pthread_cond_signal(&cond);
	}
	__atomic_store_n(&quit, 1, __ATOMIC_RELEASE);
	pthread_join(c, NULL);
	printf("done\n");
	return 0;
}
