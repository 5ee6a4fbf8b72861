/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* bench/corpus/corpus.h - what the corpus programs share.
 *
 * Each program in racy/ has exactly one data race, the pattern named in its
 * PATTERN line and marked with RACE comments; its twin of the same name in
 * clean/ is the same program with the fix named in its FIX line, and must
 * never be reported. The programs are short-lived (a few ms uninstrumented)
 * and do a little real work between their shared accesses, as real code
 * does. */
#ifndef KCSAN_CORPUS_H
#define KCSAN_CORPUS_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Work the compiler cannot see through (a call into another library would do
 * the same): it keeps shared variables from being cached in registers across
 * loop iterations, as they are not in real code. */
static inline void opaque(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/* Some arithmetic standing for the work done per item. */
static inline unsigned long crunch(unsigned long x)
{
	for (int i = 0; i < 8; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	return x;
}

/* Runs fn(0..n-1) on n threads and joins them. */
static inline void run_threads(int n, void *(*fn)(void *))
{
	pthread_t t[16];
	for (long i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, (void *)i)) {
			perror("pthread_create");
			exit(1);
		}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

#endif
