// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: OpenMP task declares depend(in:) on data it writes
// FLAGS: -fopenmp
// FIX: wrap() writes pos[], so its task declares `depend(inout: pos)`: it
// waits for measure() of the same step, and the next move() waits for it.
// A particle simulation on a periodic track, one time step after another,
// each as three tasks chained by depend clauses: move() updates positions
// and velocities, measure() sums the energy, and wrap() folds the positions
// back onto the track.
#include <omp.h>

#include "../corpus.h"

#define NP 32
#define STEPS 12
#define TRACK (1L << 20) /* track length, in fixed point */

static long pos[NP], vel[NP];
static long energy[STEPS];

/* Height of the procedurally generated terrain at x. */
static long terrain(long x)
{
	unsigned long h = (unsigned long)(x >> 12);
	for (int i = 0; i < 32; i++)
		h = crunch(h);
	return (long)(h >> 56);
}

static void move(void)
{
	for (int i = 0; i < NP; i++) {
		vel[i] -= vel[i] / 64; /* friction */
		pos[i] += vel[i];
	}
}

static long measure(void)
{
	long e = 0;
	for (int i = 0; i < NP; i++) {
		long v = vel[i] >> 8;
		e += v * v + 16 * terrain(pos[i]);
	}
	return e;
}

static void wrap(void)
{
	for (int i = 0; i < NP; i++) {
		long x = pos[i] % TRACK;
		pos[i] = x < 0 ? x + TRACK : x;
		opaque();
	}
}

int main(void)
{
	unsigned long seed = 777;
	for (int i = 0; i < NP; i++) {
		seed = crunch(seed);
		pos[i] = (long)(seed >> 44);
		vel[i] = (long)(seed >> 50) - (1L << 13);
	}

#pragma omp parallel
#pragma omp single
	for (int s = 0; s < STEPS; s++) {
#pragma omp task depend(inout: pos, vel)
		move();
#pragma omp task depend(in: pos, vel) firstprivate(s)
		energy[s] = measure();
#pragma omp task depend(inout: pos)
		wrap();
	}

	long sum = 0;
	for (int s = 0; s < STEPS; s++)
		sum = sum * 3 + energy[s];
	printf("energy checksum %ld, pos[0] %ld\n", sum, pos[0]);
	return 0;
}
