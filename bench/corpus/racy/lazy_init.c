// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: lazy initialisation without synchronisation
// Every request looks up a per-type handler table that is built on first use
// with `if (!tables[t]) tables[t] = build(t);`. Two threads serving requests
// race on the check and the store (and may both build). The racy lines are
// the check and the store in lookup() (RACE).
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
	if (!tables[t])                 /* RACE: plain check */
		tables[t] = build(self, t); /* RACE: plain publication */
	return tables[t]->slot[i & 7];
}

static void *server(void *arg)
{
	int self = (int)(long)arg;
	unsigned long sum = 0;
	for (int r = 0; r < 4 * TYPES; r++) {
		/* Requests arrive for types in roughly the same order in both
		 * threads, as bursts of new kinds of work do. */
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
