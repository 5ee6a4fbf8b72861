// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: struct field race (statistics read while being updated)
// FIX: the fields are updated and read with relaxed atomics (the monitor may
// see a slightly stale pair, which a progress line tolerates; no data race).
#include "../corpus.h"

struct stats {
	unsigned long bytes;
	unsigned long packets;
};

static struct stats st;
static int done;

static void *worker(void *arg)
{
	unsigned long x = (unsigned long)arg;
	for (int i = 0; i < 60000; i++) {
		x = crunch(x);
		opaque();
		__atomic_fetch_add(&st.bytes, x % 1500, __ATOMIC_RELAXED);
		__atomic_fetch_add(&st.packets, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *monitor(void *arg)
{
	(void)arg;
	unsigned long seen = 0;
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		seen += __atomic_load_n(&st.bytes, __ATOMIC_RELAXED) /
			(__atomic_load_n(&st.packets, __ATOMIC_RELAXED) + 1);
		opaque();
	}
	return (void *)seen;
}

int main(void)
{
	pthread_t m, w;
	pthread_create(&m, NULL, monitor, NULL);
	pthread_create(&w, NULL, worker, (void *)1);
	pthread_join(w, NULL);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	pthread_join(m, NULL);
	printf("%lu packets, %lu bytes\n", st.packets, st.bytes);
	return 0;
}
