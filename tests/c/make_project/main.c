/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "work.h"

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void *bumper(void *arg)
{
	struct timespec start;
	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; (i & 255) != 0 || elapsed_ms(&start) < 300; i++)
		counter_bump(i);
	return NULL;
}

static void *watcher(void *arg)
{
	struct timespec start;
	long sum = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; (i & 255) != 0 || elapsed_ms(&start) < 300; i++)
		sum += stats_read();
	*(long *)arg = sum;
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	long sum = 0;

	pthread_create(&a, NULL, bumper, NULL);
	pthread_create(&b, NULL, watcher, &sum);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("racy_counter: done (%s)\n", sum != 0 ? "saw updates" : "saw nothing");
	return 0;
}
