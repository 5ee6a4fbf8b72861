// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP critical and atomic protecting the same variable
// FLAGS: -fopenmp
// FIX: the fee is charged in the same `critical` section as the transfers
// (an atomic and a critical section do not exclude each other).
// A bank applies a batch of signed operations to its accounts. A transfer
// must check the balance first, so it runs in a `critical` section; a fee
// is a single subtraction.
#include <omp.h>

#include "../corpus.h"

#define NACC 8
#define NOPS 240

enum { TRANSFER, FEE };

struct op {
	int kind, from, to;
	long amount; /* in cents */
	unsigned long sig;
};

static long balance[NACC];
static struct op ops[NOPS];
static char rejected[NOPS];

/* Checks the signature of an operation (slow on purpose, as crypto is). */
static int verify(const struct op *o)
{
	unsigned long h = (unsigned long)(o->from * 64 + o->to) ^ (unsigned long)o->amount;
	for (int i = 0; i < 12; i++)
		h = crunch(h);
	return (h & 0xff) == (o->sig & 0xff);
}

int main(void)
{
	unsigned long seed = 808;
	for (int a = 0; a < NACC; a++)
		balance[a] = 50000;
	for (int i = 0; i < NOPS; i++) {
		struct op *o = &ops[i];
		seed = crunch(seed);
		o->kind = (seed >> 60) < 5 ? FEE : TRANSFER;
		o->from = (int)((seed >> 20) % NACC);
		o->to = (int)((seed >> 30) % NACC);
		o->amount = o->kind == FEE ? 150 : (long)((seed >> 40) % 20000);
		o->sig = (unsigned long)(o->from * 64 + o->to) ^ (unsigned long)o->amount;
		for (int k = 0; k < 12; k++)
			o->sig = crunch(o->sig);
		if (i % 17 == 0)
			o->sig ^= 1; /* forged */
	}

#pragma omp parallel for schedule(dynamic, 4)
	for (int i = 0; i < NOPS; i++) {
		const struct op *o = &ops[i];
		if (!verify(o)) {
			rejected[i] = 1;
			continue;
		}
		if (o->kind == FEE) {
#pragma omp critical
			balance[o->from] -= o->amount;
		} else {
#pragma omp critical
			{
				if (balance[o->from] >= o->amount) {
					balance[o->from] -= o->amount;
					balance[o->to] += o->amount;
				} else {
					rejected[i] = 1;
				}
			}
		}
	}

	long total = 0;
	int nrej = 0;
	for (int a = 0; a < NACC; a++)
		total += balance[a];
	for (int i = 0; i < NOPS; i++)
		nrej += rejected[i];
	printf("total %ld.%02ld, %d rejected\n", total / 100, total % 100, nrej);
	return 0;
}
