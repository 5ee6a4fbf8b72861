// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: hand-made OpenMP flag with flush on a plain variable
// FLAGS: -fopenmp
// FIX: `ready` is written with `#pragma omp atomic write release` and polled
// with `#pragma omp atomic read acquire` (OpenMP 5.0), instead of plain
// accesses and flushes: the release/acquire pair also orders the records.
// A decoder streams records to a consumer inside one parallel region: thread
// 0 decodes record k, then publishes it by setting `ready = k + 1`; the last
// thread polls `ready` and sums each record once it is published.
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
#pragma omp atomic write release
				ready = k + 1;
			}
		}
		if (t == nt - 1) { /* consumer */
			for (int k = 0; k < NREC; k++) {
				int wait = 1, r;
#pragma omp atomic read acquire
				r = ready;
				while (r <= k) {
					backoff(&wait);
#pragma omp atomic read acquire
					r = ready;
				}
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
