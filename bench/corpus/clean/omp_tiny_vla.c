// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: tiny OpenMP recurrence over a variable-length array on main's stack
// FLAGS: -fopenmp
// The array lives in main's frame (a VLA sized from argc), so the loop
// reaches it through the pointer OpenMP passes; v[i] needs v[i-1], which
// the previous thread writes last.
// FIX: the new values go to a second VLA.
#include <stdio.h>
int main(int argc, char **argv)
{
	(void)argv;
	int n = 600 + argc;
	double v[n], w[n];
	for (int i = 0; i < n; i++)
		v[i] = i;
	w[0] = v[0];
#pragma omp parallel for
	for (int i = 1; i < n; i++)
		w[i] = v[i - 1] * 0.5 + 1.0;
	printf("w[n/2] = %f\n", w[n / 2]);
	return 0;
}
