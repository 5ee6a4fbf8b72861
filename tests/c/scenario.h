/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * scenario.h - small helpers shared by the C scenarios in tests/c/.
 *
 * Not a scenario itself (the harness only runs *.c / *.cpp). Everything here
 * is static and touches no shared memory, so it adds no accesses of its own
 * to a scenario's reports.
 *
 * Scenarios loop for a time budget instead of a fixed iteration count, so a
 * program behaves the same on a slow, loaded or fast machine: with a racing
 * loop of ~300 ms, a watchpoint (80 us stall every ~2000 accesses) is set up
 * hundreds of times per run.
 */
#ifndef KCSAN_SCENARIO_H
#define KCSAN_SCENARIO_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* A compiler barrier: each loop iteration really accesses memory. */
#define barrier() __asm__ __volatile__("" ::: "memory")

/*
 * Not instrumented: a scenario's statistics (setup_watchpoints) then count
 * only the scenario's own accesses, not this helper's struct timespec.
 */
#if defined(__clang__)
#define SCENARIO_UNINSTRUMENTED __attribute__((noinline, unused, no_sanitize("thread")))
#else
#define SCENARIO_UNINSTRUMENTED __attribute__((noinline, unused, no_sanitize_thread))
#endif

/* Milliseconds on the monotonic clock. */
static SCENARIO_UNINSTRUMENTED int64_t scenario_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The racing budget in ms: $SCENARIO_MS, else @dflt. */
static inline int64_t scenario_budget_ms(int64_t dflt)
{
	const char *s = getenv("SCENARIO_MS");
	return s && *s ? atol(s) : dflt;
}

/*
 * A deadline passed to threads by value: `for (i = 0; !scenario_expired(&dl, i); i++)`
 * checks the clock every 256 iterations.
 */
struct scenario_deadline {
	int64_t end_ms;
};

static inline struct scenario_deadline scenario_deadline_in(int64_t ms)
{
	struct scenario_deadline d = { scenario_now_ms() + ms };
	return d;
}

static inline int scenario_expired(const struct scenario_deadline *d, long i)
{
	return (i & 255) == 0 && scenario_now_ms() >= d->end_ms;
}

/*
 * A table written once, by scenario_table_init() before any thread starts,
 * and then only read: plain reads of it are watched but never racy. Silent
 * scenarios read it so that their statistics prove watchpoints were set up.
 * (A table never written at all would be constant-folded, and its reads not
 * instrumented.)
 */
__attribute__((unused)) static long scenario_table[64];

static inline void scenario_table_init(void)
{
	for (int i = 0; i < 64; i++)
		scenario_table[i] = (long)i * i + 1;
}

/* pthread_create that dies loudly on failure. */
static inline void scenario_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	if (pthread_create(t, NULL, fn, arg) != 0) {
		perror("pthread_create");
		exit(99);
	}
}

#endif /* KCSAN_SCENARIO_H */
