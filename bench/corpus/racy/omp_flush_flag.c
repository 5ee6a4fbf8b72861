// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: hand-made OpenMP flag with flush on a plain variable
// FLAGS: -fopenmp
// A decoder streams records to a consumer inside one parallel region: thread
// 0 decodes record k, flushes, then publishes it by setting `ready = k + 1`;
// the last thread spins on `ready` with `#pragma omp flush(ready)` and sums
// each record once it is published. `flush` orders memory but does not make
// the plain accesses to `ready` atomic: the producer's write and the
// consumer's polling reads race (RACE lines); the records themselves are
// only ordered through that flag.
#include <omp.h>

#include "../corpus.h"

#define NREC 96
#define W 8 /* words per record */

static unsigned rec[NREC][W];
static unsigned long in[NREC];
static unsigned long sum[NREC];
static int ready; /* records published so far */

static unsigned decode(unsigned long x, int k)
{
	for (int i = 0; i < 4; i++)
		x = crunch(x + (unsigned long)k);
	return (unsigned)(x >> 32);
}

/* Waits a little before polling again (a spin with exponential backoff). */
static void backoff(int *n)
{
	for (int i = 0; i < *n; i++) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#else
		opaque();
#endif
	}
	if (*n < 4096)
		*n *= 2;
}

/* The consumer's work: a slow checksum of a record. */
static unsigned long check(const unsigned *r)
{
	unsigned long s = 0;
	for (int w = 0; w < W; w++) {
		s ^= r[w];
		for (int i = 0; i < 8; i++)
			s = crunch(s);
	}
	return s;
}

int main(void)
{
	for (int k = 0; k < NREC; k++)
		in[k] = crunch((unsigned long)k + 1);

#pragma omp parallel
	{
		int t = omp_get_thread_num(), nt = omp_get_num_threads();
		if (t == 0) { /* producer */
			for (int k = 0; k < NREC; k++) {
				for (int w = 0; w < W; w++)
					rec[k][w] = decode(in[k], w);
#pragma omp flush
				ready = k + 1; /* RACE: publishes record k */
#pragma omp flush(ready)
			}
		}
		if (t == nt - 1) { /* consumer */
			for (int k = 0; k < NREC; k++) {
				int wait = 1;
				while (ready <= k) { /* RACE: polls the flag */
					backoff(&wait);
#pragma omp flush(ready)
				}
#pragma omp flush
				sum[k] = check(rec[k]);
			}
		}
	}

	unsigned long all = 0;
	for (int k = 0; k < NREC; k++)
		all = all * 31 + sum[k];
	printf("stream checksum %016lx\n", all);
	return 0;
}
