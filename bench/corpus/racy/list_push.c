// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked linked-list push
// Two threads push completed jobs onto a shared free list with
// `n->next = head; head = n;` and no lock (RACE lines in push()): one push
// can overwrite the other's, losing nodes.
#include "../corpus.h"

#define NODES 40000

struct node {
	struct node *next;
	unsigned long value;
};

static struct node nodes[2][NODES];
static struct node *head;

static void push(struct node *n)
{
	n->next = head; /* RACE: plain read of head */
	head = n;       /* RACE: plain write of head */
}

static void *producer(void *arg)
{
	long t = (long)arg;
	unsigned long x = (unsigned long)t;
	for (int i = 0; i < NODES; i++) {
		x = crunch(x);
		nodes[t][i].value = x;
		opaque();
		push(&nodes[t][i]);
	}
	return NULL;
}

int main(void)
{
	run_threads(2, producer);
	unsigned long n = 0;
	for (struct node *p = head; p; p = p->next)
		n++;
	printf("%s\n", n == 2 * NODES ? "all nodes listed" : "nodes lost");
	return 0;
}
