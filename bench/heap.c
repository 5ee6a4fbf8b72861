// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * heap.c - does the runtime's memory grow with the program's heap?
 * (BENCHMARKS.md, "Memory")
 *
 * usage: heap MIB
 *
 * Allocates a heap of MIB MiB (malloc, so the pages are only mapped) and
 * splits it between two threads. Each thread touches every page of its half
 * with instrumented accesses:
 *   - an 8-byte write every 64 bytes (so every cache line of the heap, and
 *     every shadow page a shadow-memory runtime keeps for it, is touched);
 *   - then an 8-byte read every 256 bytes, summed.
 * The halves are disjoint, so nothing races.
 *
 * bench/run.sh compares the peak RSS of this program built plain (no
 * instrumentation), linked with kcsan and linked with libtsan, for several
 * heap sizes: kcsan's watchpoint table and per-thread context are fixed-size,
 * so kcsan RSS - plain RSS should stay constant; libtsan's shadow memory grows
 * with the heap.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 2
#define barrier() __asm__ __volatile__("" ::: "memory")

static uint64_t *heap;
static size_t words_per_thread;
static uint64_t result[NTHREADS];

static void *worker(void *arg)
{
	long id = (long)arg;
	uint64_t *p = heap + (size_t)id * words_per_thread;
	uint64_t sum = 0;

	for (size_t i = 0; i < words_per_thread; i += 8) { /* 64-byte stride */
		p[i] = i * 0x9E3779B97F4A7C15ull + (uint64_t)id;
		barrier();
	}
	for (size_t i = 0; i < words_per_thread; i += 32) { /* 256-byte stride */
		sum += p[i];
		barrier();
	}
	result[id] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[NTHREADS];
	long mib = argc > 1 ? atol(argv[1]) : 64;

	if (mib <= 0) {
		fprintf(stderr, "usage: %s MIB (MIB > 0)\n", argv[0]);
		return 2;
	}
	size_t bytes = (size_t)mib << 20;
	heap = malloc(bytes);
	if (!heap) {
		fprintf(stderr, "heap: cannot allocate %ld MiB\n", mib);
		return 1;
	}
	words_per_thread = bytes / sizeof(uint64_t) / NTHREADS;
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (long i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("%llu\n", (unsigned long long)(result[0] ^ result[1]));
	free(heap);
	return 0;
}
