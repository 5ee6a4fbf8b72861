// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: array chunk boundary in a hand-parallelised loop
// A 1-D smoothing stencil is split into one chunk per thread and updated in
// place: each cell becomes the mean of itself and its neighbours. At each
// chunk boundary a thread reads the neighbour's edge cell while the
// neighbour's thread rewrites it (RACE: the a[i - 1] / a[i + 1] reads against
// the a[i] store in smooth()).
#include "../corpus.h"

#define N 512
#define THREADS 2
#define STEPS 300

static double a[N];
static pthread_barrier_t step_done;

static void *smooth(void *arg)
{
	long t = (long)arg;
	int lo = (int)(t * N / THREADS), hi = (int)((t + 1) * N / THREADS);
	for (int s = 0; s < STEPS; s++) {
		for (int i = lo; i < hi; i++) {
			double l = i > 0 ? a[i - 1] : 0;     /* RACE at i == lo */
			double r = i < N - 1 ? a[i + 1] : 0; /* RACE at i == hi - 1 */
			a[i] = (l + a[i] + r) / 3;           /* RACE: the edge cells */
		}
		pthread_barrier_wait(&step_done);
	}
	return NULL;
}

int main(void)
{
	for (int i = 0; i < N; i++)
		a[i] = (double)(crunch((unsigned long)i) % 1000);
	pthread_barrier_init(&step_done, NULL, THREADS);
	run_threads(THREADS, smooth);
	printf("a[N/2] = %.3f\n", a[N / 2]);
	return 0;
}
