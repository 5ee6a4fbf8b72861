// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: struct field race (statistics read while being updated)
// Workers update the fields of a shared `struct stats` under no lock, and a
// monitor thread reads them to print a progress line. The racy lines are the
// field updates in worker() (RACE) against the monitor's reads (RACE).
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
		st.bytes += x % 1500; /* RACE: written while the monitor reads */
		st.packets++;         /* RACE */
	}
	return NULL;
}

static void *monitor(void *arg)
{
	(void)arg;
	unsigned long seen = 0;
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		seen += st.bytes / (st.packets + 1); /* RACE: plain reads */
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
