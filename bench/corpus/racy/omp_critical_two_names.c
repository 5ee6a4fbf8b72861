// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: two differently named OpenMP criticals guard the same data
// FLAGS: -fopenmp
// A pool of database connections kept as a stack of free connection numbers:
// each query takes a connection, runs on it, then gives it back. pool_get()
// runs under `critical(pool_get)` but pool_put() under `critical(pool_put)`:
// two different locks, so a get and a put run at the same time on free_top
// and free_list[] (RACE lines).
#include <omp.h>

#include "../corpus.h"

#define NCONN 8
#define NQUERY 256

static const char *const server[NCONN] = {
	"db1", "db2", "db1", "db3", "db2", "db1", "db3", "db2",
};
static int free_list[NCONN];
static int free_top;
static long result[NQUERY];

static int pool_get(void)
{
	int c = -1;
#pragma omp critical(pool_get)
	{
		int t = free_top; /* RACE: get ... */
		if (t > 0) {
			c = free_list[t - 1]; /* RACE */
			free_top = t - 1;     /* RACE */
		}
	}
	return c;
}

static void pool_put(int c)
{
#pragma omp critical(pool_put)
	{
		int t = free_top; /* RACE: ... and put */
		if (t < NCONN) {
			free_list[t] = c; /* RACE */
			free_top = t + 1; /* RACE */
		}
	}
}

/* Runs query q on connection c: the answer depends on the server. */
static long run_query(int q, int c)
{
	unsigned long h = (unsigned long)q * 131 + (unsigned long)server[c][2];
	for (int i = 0; i < 12; i++)
		h = crunch(h);
	return (long)(h >> 40);
}

int main(void)
{
	for (int c = 0; c < NCONN; c++)
		free_list[c] = c;
	free_top = NCONN;

#pragma omp parallel for schedule(dynamic, 4)
	for (int q = 0; q < NQUERY; q++) {
		int c = pool_get();
		if (c < 0) { /* no free connection: the query fails */
			result[q] = -1;
			continue;
		}
		result[q] = run_query(q, c);
		pool_put(c);
	}

	long sum = 0;
	int failed = 0;
	for (int q = 0; q < NQUERY; q++) {
		if (result[q] < 0)
			failed++;
		else
			sum += result[q];
	}
	printf("sum %ld, %d failed, %d connections free\n", sum, failed, free_top);
	return 0;
}
