// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: configuration reloaded while readers use it (torn read)
// FIX: readers take a pthread rwlock for reading, the reloader for writing,
// so a handler always sees one consistent configuration.
#include "../corpus.h"

struct config {
	unsigned long limit;
	unsigned long timeout_ms;
};

static struct config cfg = { 100, 1000 };
static pthread_rwlock_t cfg_lock = PTHREAD_RWLOCK_INITIALIZER;
static int stop;

static unsigned long handle(unsigned long req)
{
	pthread_rwlock_rdlock(&cfg_lock);
	unsigned long limit = cfg.limit;
	unsigned long tmo = cfg.timeout_ms;
	pthread_rwlock_unlock(&cfg_lock);
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
	pthread_rwlock_wrlock(&cfg_lock);
	cfg.limit = 100 + gen;
	cfg.timeout_ms = 1000 + gen;
	pthread_rwlock_unlock(&cfg_lock);
}

int main(void)
{
	pthread_t h;
	pthread_create(&h, NULL, handler, NULL);
	unsigned long x = 1;
	for (unsigned long gen = 1; gen <= 3000; gen++) {
		for (int i = 0; i < 8; i++)
			x = crunch(x);
		opaque();
		reload(gen);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(h, NULL);
	printf("reloaded to limit %lu\n", cfg.limit);
	return 0;
}
