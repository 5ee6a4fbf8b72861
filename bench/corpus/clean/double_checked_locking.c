// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: double-checked locking with a plain pointer
// FIX: the unlocked check is an acquire load and the store a release store,
// the correct form of double-checked locking.
#include "../corpus.h"

#define CONNS 2048

struct session {
	unsigned long key;
	unsigned long counter;
};

static struct session *sessions[CONNS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct session storage[CONNS];

static struct session *get_session(int c)
{
	struct session *s = __atomic_load_n(&sessions[c], __ATOMIC_ACQUIRE);
	if (!s) {
		pthread_mutex_lock(&lock);
		s = __atomic_load_n(&sessions[c], __ATOMIC_RELAXED);
		if (!s) {
			storage[c].key = crunch((unsigned long)c);
			s = &storage[c];
			__atomic_store_n(&sessions[c], s, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&lock);
	}
	return s;
}

static void *handler(void *arg)
{
	long self = (long)arg;
	unsigned long sum = 0;
	for (int r = 0; r < 8 * CONNS; r++) {
		int c = (r / 8 + (int)self) % CONNS;
		sum += get_session(c)->key;
		opaque();
	}
	return (void *)sum;
}

int main(void)
{
	run_threads(2, handler);
	printf("sessions ready\n");
	return 0;
}
