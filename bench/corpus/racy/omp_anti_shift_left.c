// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP loop-carried anti dependence (a[i] computed from a[i+1])
// FLAGS: -fopenmp
// An echo buffer is aged by one sample in place, echo[i] = decay * echo[i+1],
// and a new sample is appended. Iteration i reads echo[i+1], which iteration
// i+1 overwrites; with schedule(static,1) neighbouring iterations run on
// different threads (RACE line).
#include <stdio.h>

#define N 1024

static float echo[N];

int main(void)
{
	for (int i = 0; i < N; i++)
		echo[i] = (float)((i * 29) % 97) * 0.01f;
	const float decay = 0.98f;
#pragma omp parallel for schedule(static, 1)
	for (int i = 0; i < N - 1; i++)
		echo[i] = decay * echo[i + 1]; /* RACE: echo[i+1] is overwritten by iteration i+1 */
	echo[N - 1] = 0.5f;
	float sum = 0.0f;
	for (int i = 0; i < N; i++)
		sum += echo[i] * (float)(i % 7);
	printf("weighted sum = %.4f\n", sum);
	return 0;
}
