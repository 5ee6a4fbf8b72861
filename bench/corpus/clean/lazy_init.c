// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: lazy initialisation without synchronisation
// FIX: the table pointer is loaded with acquire and published with a
// compare-and-swap (release); a thread that loses the race uses the winner's
// table.
#include "../corpus.h"

#define TYPES 4096

struct table {
	unsigned long slot[8];
};

static struct table *tables[TYPES];
static struct table pool[2][TYPES];

static struct table *build(int self, int t)
{
	struct table *tb = &pool[self][t];
	for (int i = 0; i < 8; i++)
		tb->slot[i] = crunch((unsigned long)t * 8 + i);
	return tb;
}

static unsigned long lookup(int self, int t, int i)
{
	struct table *tb = __atomic_load_n(&tables[t], __ATOMIC_ACQUIRE);
	if (!tb) {
		struct table *mine = build(self, t), *expected = NULL;
		if (__atomic_compare_exchange_n(&tables[t], &expected, mine, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			tb = mine;
		else
			tb = expected;
	}
	return tb->slot[i & 7];
}

static void *server(void *arg)
{
	int self = (int)(long)arg;
	unsigned long sum = 0;
	for (int r = 0; r < 4 * TYPES; r++) {
		int t = (r / 4 + self) % TYPES;
		sum += lookup(self, t, r);
		opaque();
	}
	return (void *)sum;
}

int main(void)
{
	run_threads(2, server);
	printf("served\n");
	return 0;
}
