// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP master writes a shared variable read without a barrier
// FLAGS: -fopenmp
// FIX: `#pragma omp barrier` after the master block (`master` has no implied
// barrier): no thread reads `mean` before the master has computed it.
// Normalises a stream of sensor batches: for each batch, the master thread
// computes the batch mean into the shared `mean`, then all threads subtract
// it from their share of the batch.
#include <omp.h>

#include "../corpus.h"

#define NBATCH 10
#define N 48

static double batch[NBATCH][N], out[NBATCH][N];
static double mean;

int main(void)
{
	unsigned long seed = 4242;
	for (int b = 0; b < NBATCH; b++)
		for (int i = 0; i < N; i++) {
			seed = crunch(seed);
			batch[b][i] = (double)(seed >> 44) / 4096.0 + b;
		}

#pragma omp parallel
	for (int b = 0; b < NBATCH; b++) {
#pragma omp master
		{
			mean = 0;
			for (int i = 0; i < N; i++) {
				mean += batch[b][i];
				opaque();
			}
			mean /= N;
		}
#pragma omp barrier
#pragma omp for schedule(static)
		for (int i = 0; i < N; i++) {
			/* a little smoothing with the neighbours, then centering */
			double l = i > 0 ? batch[b][i - 1] : batch[b][i];
			double r = i < N - 1 ? batch[b][i + 1] : batch[b][i];
			double v = 0.25 * l + 0.5 * batch[b][i] + 0.25 * r;
			out[b][i] = v - mean;
			opaque();
		}
	}

	double sum = 0;
	for (int b = 0; b < NBATCH; b++)
		for (int i = 0; i < N; i++)
			sum += out[b][i] * out[b][i];
	printf("variance sum %.3f\n", sum);
	return 0;
}
