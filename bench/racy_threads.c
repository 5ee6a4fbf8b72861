// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * racy_threads.c - T threads racing on one counter (bench/detect.sh).
 *
 * usage: racy_threads T N
 *
 * T threads start together (a pthread barrier, in libc, so not instrumented)
 * and each runs N iterations of an unprotected plain read and plain write of
 * one shared counter:
 *
 *     counter = counter + 1;    (a plain 8-byte read, then a plain write)
 *
 * The compiler barrier keeps every iteration's load and store (without it the
 * loop could collapse into one read and one write). With KCSAN's default
 * options the read is watched, and a write by another thread during the stall
 * is a data race: "BUG: KCSAN: data-race". detect.sh counts the runs that
 * report it, with delay_mode=spin and delay_mode=yield.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define barrier() __asm__ __volatile__("" ::: "memory")
#define MAX_THREADS 64

static uint64_t *counter;
static long iters;
static pthread_barrier_t start;

static void *worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < iters; i++) {
		*counter = *counter + 1; /* racy: read, then write */
		barrier();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[MAX_THREADS];
	long nthreads;

	if (argc != 3 || (nthreads = atol(argv[1])) < 1 || nthreads > MAX_THREADS ||
	    (iters = atol(argv[2])) < 0) {
		fprintf(stderr, "usage: %s T N   (1 <= T <= %d threads, N iterations each)\n",
			argv[0], MAX_THREADS);
		return 2;
	}
	counter = calloc(1, sizeof(*counter));
	if (!counter)
		return 1;
	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (long i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	printf("racy_threads: T=%ld N=%ld counter=%llu\n", nthreads, iters,
	       (unsigned long long)*counter);
	free(counter);
	return 0;
}
