// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: publication without a barrier (hand-rolled ring buffer)
// FIX: `head` is published with a release store and polled with an acquire
// load, so a slot is read only after it was completely written, and reused
// only after the consumer released it through `tail`.
#include "../corpus.h"

#define SLOTS 64
#define MSGS 20000

struct msg {
	unsigned long seq;
	unsigned long payload;
};

static struct msg ring[SLOTS];
static unsigned long head;
static unsigned long tail;

static void *producer(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < MSGS; i++) {
		while (i - __atomic_load_n(&tail, __ATOMIC_ACQUIRE) >= SLOTS)
			opaque();
		ring[i % SLOTS].seq = i;
		ring[i % SLOTS].payload = crunch(i);
		opaque();
		__atomic_store_n(&head, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	unsigned long sum = 0;
	for (unsigned long i = 0; i < MSGS; i++) {
		while (__atomic_load_n(&head, __ATOMIC_ACQUIRE) <= i)
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
