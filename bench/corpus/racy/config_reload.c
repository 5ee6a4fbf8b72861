// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: configuration reloaded while readers use it (torn read)
// Request handlers read the shared `struct config` (limit and timeout) without
// a lock while a reload thread rewrites it: a handler can see the new limit
// with the old timeout. RACE lines: the handler's reads in handle() and the
// reloader's writes in reload().
#include "../corpus.h"

struct config {
	unsigned long limit;
	unsigned long timeout_ms;
};

static struct config cfg = { 100, 1000 };
static int stop;

static unsigned long handle(unsigned long req)
{
	unsigned long limit = cfg.limit;     /* RACE: unlocked read */
	unsigned long tmo = cfg.timeout_ms;  /* RACE: may be from another reload */
	return crunch(req) % (limit + tmo);
}

static void *handler(void *arg)
{
	unsigned long sum = 0, req = (unsigned long)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		sum += handle(req++);
		opaque();
	}
	return (void *)sum;
}

static void reload(unsigned long gen)
{
	cfg.limit = 100 + gen;        /* RACE: unlocked write */
	cfg.timeout_ms = 1000 + gen;  /* RACE */
}

int main(void)
{
	pthread_t h;
	pthread_create(&h, NULL, handler, NULL);
	unsigned long x = 1;
	for (unsigned long gen = 1; gen <= 3000; gen++) {
		for (int i = 0; i < 8; i++)
			x = crunch(x); /* parse the new configuration */
		opaque();
		reload(gen);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(h, NULL);
	printf("reloaded to limit %lu\n", cfg.limit);
	return 0;
}
