// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: double-checked locking with a plain pointer
// Each connection's session is created on first use with the classic
// double-checked locking: a plain unlocked check, then the lock, a second
// check and a plain store. The unlocked check races with the locked store
// (RACE lines in get_session()).
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
	if (!sessions[c]) { /* RACE: unlocked first check */
		pthread_mutex_lock(&lock);
		if (!sessions[c]) {
			storage[c].key = crunch((unsigned long)c);
			sessions[c] = &storage[c]; /* RACE: store seen by the unlocked check */
		}
		pthread_mutex_unlock(&lock);
	}
	return sessions[c];
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
