// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: publication without a barrier (hand-rolled ring buffer)
// A single-producer single-consumer ring publishes each message by bumping a
// plain `head` index after filling the slot; the consumer polls `head` with a
// plain load. Neither side orders the slot contents against the index (on a
// weakly ordered CPU the consumer can read a half-written slot), and the
// index is a data race. RACE lines: the producer's `head = ...` store and the
// consumer's `head` poll.
#include "../corpus.h"

#define SLOTS 64
#define MSGS 20000

struct msg {
	unsigned long seq;
	unsigned long payload;
};

static struct msg ring[SLOTS];
static unsigned long head; /* written by the producer */
static unsigned long tail; /* written by the consumer */

static void *producer(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < MSGS; i++) {
		while (i - __atomic_load_n(&tail, __ATOMIC_ACQUIRE) >= SLOTS)
			opaque(); /* full */
		ring[i % SLOTS].seq = i;
		ring[i % SLOTS].payload = crunch(i);
		opaque();
		head = i + 1; /* RACE: plain publication, no release */
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	unsigned long sum = 0;
	for (unsigned long i = 0; i < MSGS; i++) {
		while (head <= i) /* RACE: plain poll, no acquire */
			opaque();
		sum += ring[i % SLOTS].payload;
		__atomic_store_n(&tail, i + 1, __ATOMIC_RELEASE);
	}
	return (void *)sum;
}

int main(void)
{
	pthread_t p, c;
	pthread_create(&c, NULL, consumer, NULL);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	printf("delivered %d messages\n", MSGS);
	return 0;
}
