// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked linked-list push
// FIX: a lock-free push (Treiber stack): read head atomically and publish the
// node with a compare-and-swap, retrying if another push got in first.
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
	struct node *old = __atomic_load_n(&head, __ATOMIC_RELAXED);
	do
		n->next = old;
	while (!__atomic_compare_exchange_n(&head, &old, n, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
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
