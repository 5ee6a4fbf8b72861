// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: array chunk boundary in a hand-parallelised loop
// FIX: double buffering: each step reads the previous step's array and
// writes the other one, with a barrier between steps, so no cell is read and
// written in the same step.
#include "../corpus.h"

#define N 512
#define THREADS 2
#define STEPS 300

static double buf[2][N];
static pthread_barrier_t step_done;

static void *smooth(void *arg)
{
	long t = (long)arg;
	int lo = (int)(t * N / THREADS), hi = (int)((t + 1) * N / THREADS);
	for (int s = 0; s < STEPS; s++) {
		const double *a = buf[s % 2];
		double *b = buf[(s + 1) % 2];
		for (int i = lo; i < hi; i++) {
			double l = i > 0 ? a[i - 1] : 0;
			double r = i < N - 1 ? a[i + 1] : 0;
			b[i] = (l + a[i] + r) / 3;
		}
		pthread_barrier_wait(&step_done);
	}
	return NULL;
}

int main(void)
{
	for (int i = 0; i < N; i++)
		buf[0][i] = (double)(crunch((unsigned long)i) % 1000);
	pthread_barrier_init(&step_done, NULL, THREADS);
	run_threads(THREADS, smooth);
	printf("a[N/2] = %.3f\n", buf[STEPS % 2][N / 2]);
	return 0;
}
