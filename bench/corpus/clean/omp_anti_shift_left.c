// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP loop-carried anti dependence (a[i] computed from a[i+1])
// FLAGS: -fopenmp
// FIX: the aged samples go to a separate array aged[], so no iteration
// writes an element that another iteration reads.
#include <stdio.h>

#define N 1024

static float echo[N], aged[N];

int main(void)
{
	for (int i = 0; i < N; i++)
		echo[i] = (float)((i * 29) % 97) * 0.01f;
	const float decay = 0.98f;
#pragma omp parallel for schedule(static, 1)
	for (int i = 0; i < N - 1; i++)
		aged[i] = decay * echo[i + 1];
	aged[N - 1] = 0.5f;
	float sum = 0.0f;
	for (int i = 0; i < N; i++)
		sum += aged[i] * (float)(i % 7);
	printf("weighted sum = %.4f\n", sum);
	return 0;
}
