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

/*
 * The body of a racing loop: one iteration, in a function of the scenario's
 * own (so reports name it as the top frame). SCENARIO_BODY keeps the compiler
 * from inlining it or cloning it under another name.
 */
typedef void (*scenario_body)(long i);
#if defined(__clang__)
#define SCENARIO_BODY __attribute__((noinline, used))
#else
#define SCENARIO_BODY __attribute__((noinline, noclone, used))
#endif

struct scenario_worker {
	scenario_body body;
	int64_t budget_ms;
};

/* Calls the body for i = 0, 1, ... until the budget runs out. */
static SCENARIO_UNINSTRUMENTED void *scenario_worker_main(void *arg)
{
	const struct scenario_worker *w = (const struct scenario_worker *)arg;
	struct scenario_deadline dl = scenario_deadline_in(w->budget_ms);
	for (long i = 0; !scenario_expired(&dl, i); i++)
		w->body(i);
	return NULL;
}

/*
 * The common two-thread scenario: one thread runs @a, another runs @b, each
 * in a loop for the budget ($SCENARIO_MS, default 300 ms); then prints
 * "<name>: done" for the harness's STDOUT check.
 */
static inline int scenario_run_pair(const char *name, scenario_body a, scenario_body b)
{
	int64_t ms = scenario_budget_ms(300);
	struct scenario_worker wa = { a, ms }, wb = { b, ms };
	pthread_t t[2];

	scenario_spawn(&t[0], scenario_worker_main, &wa);
	scenario_spawn(&t[1], scenario_worker_main, &wb);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("%s: done\n", name);
	return 0;
}

#endif /* KCSAN_SCENARIO_H */
