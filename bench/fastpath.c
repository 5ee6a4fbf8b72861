// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * fastpath.c - the runtime's per-access cost (BENCHMARKS.md).
 *
 * usage: fastpath [N] [loop|sort|mutex] [T]   (N defaults to 25000000, T to 2)
 *
 * T threads (2 unless given) run the chosen workload, each on its own data.
 * bench/run.sh compiles this file ONCE with ThreadSanitizer instrumentation and
 * links the same object against kcsan, empty hooks and libtsan (plus a plain,
 * uninstrumented build), so the CPU-time differences are the runtimes' and
 * nothing else's. Access counts below are for T = 2.
 *
 *   loop   toolchain.md §6: each thread runs N iterations of
 *              v = buf[i & 63]; buf[(i + 7) & 63] = v + i;
 *          on a private calloc'd buffer: 2N instrumented 8-byte accesses per
 *          thread (100M in all for the default N). Almost nothing but hook
 *          calls: the worst case for any runtime.
 *   sort   each thread repeatedly fills a private 4096-element array from an
 *          xorshift generator, heapsorts it and checks it: a real algorithm
 *          whose loads and stores are instrumented but which also compares,
 *          branches and mispredicts. N/250000 rounds per thread (about
 *          1.8 instrumented accesses per unit of N in all).
 *   mutex  each thread does a little private work (32 read-modify-writes of a
 *          private table) and then updates a shared counter and histogram under
 *          a pthread mutex. N/128 iterations per thread (about one
 *          instrumented access per unit of N in all).
 *
 * Nothing here is racy, so no runtime reports anything. No atomics are used
 * (the empty-hook runtime could not implement them); threads start together
 * on a pthread barrier, which lives in libc and is not instrumented.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 64

static long n = 25000000;
static long nthreads = 2;
static pthread_barrier_t start;
static uint64_t result[MAX_THREADS];

static void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb, size);
	if (!p) {
		fprintf(stderr, "fastpath: out of memory\n");
		exit(1);
	}
	return p;
}

/* ---- loop: the call-dominated microbenchmark ---- */

static void *loop_worker(void *arg)
{
	long id = (long)arg;
	uint64_t *buf = xcalloc(64, sizeof(*buf));

	pthread_barrier_wait(&start);
	for (long i = 0; i < n; i++) {
		uint64_t v = buf[i & 63];
		buf[(i + 7) & 63] = v + (uint64_t)i;
	}
	result[id] = buf[0] ^ buf[63];
	free(buf);
	return NULL;
}

/* ---- sort: heapsort of a private array ---- */

#define SORT_LEN 4096

static void sift_down(uint64_t *a, long root, long end)
{
	while (2 * root + 1 < end) {
		long child = 2 * root + 1;
		if (child + 1 < end && a[child] < a[child + 1])
			child++;
		if (a[root] >= a[child])
			return;
		uint64_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heapsort_u64(uint64_t *a, long len)
{
	for (long i = len / 2 - 1; i >= 0; i--)
		sift_down(a, i, len);
	for (long end = len - 1; end > 0; end--) {
		uint64_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

static void *sort_worker(void *arg)
{
	long id = (long)arg;
	uint64_t *a = xcalloc(SORT_LEN, sizeof(*a));
	uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(id + 1), sum = 0;
	long rounds = n / 250000;

	pthread_barrier_wait(&start);
	for (long r = 0; r < rounds; r++) {
		for (long i = 0; i < SORT_LEN; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			a[i] = x;
		}
		heapsort_u64(a, SORT_LEN);
		for (long i = 1; i < SORT_LEN; i++) {
			if (a[i - 1] > a[i]) {
				fprintf(stderr, "fastpath: sort is broken\n");
				exit(1);
			}
		}
		sum += a[SORT_LEN / 2];
	}
	result[id] = sum;
	free(a);
	return NULL;
}

/* ---- mutex: private work plus a locked shared update ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint64_t counter;
	uint64_t hist[16];
} shared;

static void *mutex_worker(void *arg)
{
	long id = (long)arg;
	uint64_t *table = xcalloc(256, sizeof(*table));
	uint64_t x = 0x2545F4914F6CDD1Dull * (uint64_t)(id + 1);
	long iters = n / 128;

	pthread_barrier_wait(&start);
	for (long i = 0; i < iters; i++) {
		for (int k = 0; k < 32; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			table[x & 255] += x >> 8;
		}
		pthread_mutex_lock(&lock);
		shared.counter += x & 0xff;
		shared.hist[x & 15]++;
		pthread_mutex_unlock(&lock);
	}
	result[id] = table[id];
	free(table);
	return NULL;
}

int main(int argc, char **argv)
{
	void *(*worker)(void *) = loop_worker;
	pthread_t t[MAX_THREADS];
	uint64_t all = 0;

	if (argc > 1)
		n = atol(argv[1]);
	if (argc > 2) {
		if (!strcmp(argv[2], "loop"))
			worker = loop_worker;
		else if (!strcmp(argv[2], "sort"))
			worker = sort_worker;
		else if (!strcmp(argv[2], "mutex"))
			worker = mutex_worker;
		else {
			fprintf(stderr, "usage: %s [N] [loop|sort|mutex] [T]\n", argv[0]);
			return 2;
		}
	}
	if (argc > 3)
		nthreads = atol(argv[3]);
	if (n < 0 || nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "fastpath: need N >= 0 and 1 <= T <= %d\n", MAX_THREADS);
		return 2;
	}

	pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (long i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		all ^= result[i];
	}
	pthread_barrier_destroy(&start);
	printf("%llu\n", (unsigned long long)(all ^ shared.counter));
	return 0;
}
