// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked counter in a heap block, threads with their own malloc arenas
// FIX: the counter is updated under a pthread mutex kept in the same heap
// block.
#include "../corpus.h"
#include <sched.h>
#include <stdatomic.h>

#define WORKERS 8
#define JOBS 100 /* per worker */

struct stats {
	pthread_mutex_t lock;
	unsigned long jobs;
};

struct worker_arg {
	struct stats *st;
	long id;
};

static atomic_int arrived;

/* The workers wait for each other after allocating, so that all 8 are alive
 * (and own 8 arenas) when the jobs start. */
static void start_together(int n)
{
	atomic_fetch_add(&arrived, 1);
	while (atomic_load(&arrived) < n)
		sched_yield();
}

static void *worker(void *p)
{
	struct worker_arg *a = p;
	size_t n = 128 + 32 * a->id;
	unsigned long *scratch = malloc(n * sizeof *scratch); /* this thread's arena */
	unsigned long x = a->id + 1, sum = 0;

	if (!scratch)
		abort();
	start_together(WORKERS);
	for (int job = 0; job < JOBS; job++) {
		for (size_t i = 0; i < n; i += 4)
			scratch[i] = x = crunch(x);
		for (size_t i = 0; i < n; i += 4)
			sum += scratch[i] >> 60;
		opaque();
		pthread_mutex_lock(&a->st->lock);
		a->st->jobs++;
		pthread_mutex_unlock(&a->st->lock);
	}
	free(scratch);
	return (void *)sum;
}

static void *dispatcher(void *unused)
{
	struct stats *st = calloc(1, sizeof *st); /* the dispatcher's arena */
	struct worker_arg args[WORKERS];
	pthread_t t[WORKERS];
	unsigned long sum = 0;

	(void)unused;
	if (!st)
		abort();
	pthread_mutex_init(&st->lock, NULL);
	for (long i = 0; i < WORKERS; i++) {
		args[i] = (struct worker_arg){ st, i };
		pthread_create(&t[i], NULL, worker, &args[i]);
	}
	for (int i = 0; i < WORKERS; i++) {
		void *s;
		pthread_join(t[i], &s);
		sum += (unsigned long)s;
	}
	printf("%lu of %d jobs counted, checksum %lu\n", st->jobs, WORKERS * JOBS, sum);
	pthread_mutex_destroy(&st->lock);
	free(st);
	return NULL;
}

int main(void)
{
	pthread_t d;
	pthread_create(&d, NULL, dispatcher, NULL);
	pthread_join(d, NULL);
	return 0;
}
