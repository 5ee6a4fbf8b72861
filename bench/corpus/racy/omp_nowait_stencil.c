// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP nowait removes a needed barrier
// FLAGS: -fopenmp
// Two sweeps in one parallel region over a row of sensor readings: the first
// converts raw ADC counts into calibrated values val[i]; the second smooths
// them with a 3-point stencil. `nowait` on the first loop lets a thread start
// smoothing while the thread that owns the neighbouring chunk is still
// writing the val[] elements next to the chunk boundary (RACE lines).
#include <stdio.h>

#define N 1200

static int raw[N];
static double val[N], smooth[N];

int main(void)
{
	for (int i = 0; i < N; i++)
		raw[i] = (i * 97 + 13) % 1024;
#pragma omp parallel
	{
#pragma omp for nowait
		for (int i = 0; i < N; i++)
			val[i] = raw[i] * 0.0025 - 1.28; /* RACE: still being written ... */
#pragma omp for
		for (int i = 1; i < N - 1; i++)
			smooth[i] = 0.25 * val[i - 1] + 0.5 * val[i] + 0.25 * val[i + 1]; /* RACE: ... when read */
	}
	smooth[0] = val[0];
	smooth[N - 1] = val[N - 1];
	double s = 0.0;
	for (int i = 0; i < N; i++)
		s += smooth[i] * smooth[i];
	printf("sum of squares = %.6f\n", s);
	return 0;
}
