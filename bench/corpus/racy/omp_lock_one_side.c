// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP lock taken on one side only
// FLAGS: -fopenmp
// A work stack shared by the threads of a parallel region: take() pops a job
// under the omp_lock_t `stack_lock`; a job that fails transiently is pushed
// back by retry() to be tried again. retry(), an error path, forgot the lock
// (RACE lines): its push races with the other threads' pops.
#include <omp.h>

#include "../corpus.h"

#define NJOB 192
#define CAP 256
#define RETRIED 0x10000 /* flag in a job number: second attempt */
#define MAXT 64

static int stack[CAP];
static int top;
static omp_lock_t stack_lock;
static unsigned long result[MAXT][8]; /* per thread, a cache line each */

static int take(void)
{
	int job = -1;
	omp_set_lock(&stack_lock);
	int t = top;
	if (t > 0) {
		job = stack[t - 1];
		top = t - 1;
	}
	omp_unset_lock(&stack_lock);
	return job;
}

static void retry(int job)
{
	int t = top; /* RACE: push without the lock */
	if (t < CAP) {
		stack[t] = job | RETRIED; /* RACE */
		top = t + 1;              /* RACE */
	}
}

/* Runs a job; 0 means it failed and should be retried. */
static unsigned long run(int job, int attempt)
{
	unsigned long h = (unsigned long)job;
	for (int i = 0; i < 12; i++)
		h = crunch(h);
	if (attempt == 0 && (h & 1) == 0)
		return 0; /* e.g. the server was busy */
	return h >> 8;
}

int main(void)
{
	for (int j = 0; j < NJOB; j++)
		stack[j] = j;
	top = NJOB;
	if (omp_get_max_threads() > MAXT) {
		fprintf(stderr, "at most %d threads\n", MAXT);
		return 1;
	}
	omp_init_lock(&stack_lock);

#pragma omp parallel
	{
		int tid = omp_get_thread_num();
		int job;
		while ((job = take()) >= 0) {
			int attempt = (job & RETRIED) != 0;
			unsigned long r = run(job & ~RETRIED, attempt);
			if (r == 0) {
				retry(job);
				continue;
			}
			result[tid][0] += r;
			result[tid][1]++;
		}
	}

	omp_destroy_lock(&stack_lock);
	unsigned long sum = 0, done = 0;
	for (int t = 0; t < MAXT; t++) {
		sum += result[t][0];
		done += result[t][1];
	}
	printf("%lu jobs done, checksum %lu\n", done, sum);
	return 0;
}
