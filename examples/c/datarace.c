// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * datarace.c - the book's kcsan_datarace module as a user-space program.
 *
 * Two workers (the module's two work items) hammer one global, gctx->data,
 * with no lock:
 *
 *   --race=2plain_w  (default) both write it: race_2plain_w=y in the module.
 *                    With KCSAN's default options this stays SILENT, exactly as
 *                    the chapter explains: aligned plain writes up to word size
 *                    are assumed atomic (assume_plain_writes_atomic=1). Run with
 *                    KCSAN_OPTIONS=assume_plain_writes_atomic=0 and it is reported.
 *   --race=plain_rw  one writes it, the other reads it: reported with defaults.
 *
 *   --iter1 N / --iter2 N  loop counts of the two workers (the chapter's
 *                    tester.sh varies them: more loops, more chances).
 *
 * Built with -DFIXED, every access of gctx->data holds a mutex: the fix, for
 * `kcsan repro --confirm-fix` (README, "Reproduce a race, prove a fix").
 *
 * Build and run:  kcsan cc -O2 -g datarace.c -o datarace -pthread && ./datarace
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct drv_ctx {
	uint64_t data;
	uint64_t y;
};

static struct drv_ctx *gctx;
static long iter1 = 2000000, iter2 = 2000000;
static int race_2plain_w = 1, race_plain_rw;
static volatile uint64_t sink;

/*
 * Each iteration must really access memory: without this compiler barrier the
 * optimizer may collapse a loop of racy stores into one store (it may assume
 * no other thread looks), and there would be almost nothing left to watch.
 */
#define barrier() __asm__ __volatile__("" ::: "memory")

#ifdef FIXED
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() pthread_mutex_lock(&lock)
#define UNLOCK() pthread_mutex_unlock(&lock)
#else
#define LOCK() do { } while (0)
#define UNLOCK() do { } while (0)
#endif

static void *do_the_work1(void *arg)
{
	uint64_t bogus = 32000, sum = 0;
	(void)arg;
	if (race_2plain_w) {
		for (long i = 0; i < iter1; i++) {
			LOCK();
			gctx->data = bogus + i; /* unprotected plain write */
			UNLOCK();
			barrier();
		}
	}
	if (race_plain_rw) {
		for (long i = 0; i < iter1; i++) {
			LOCK();
			sum += gctx->data; /* unprotected plain read */
			UNLOCK();
			barrier();
		}
	}
	sink = sum;
	return NULL;
}

static void *do_the_work2(void *arg)
{
	(void)arg;
	for (long i = 0; i < iter2; i++) {
		LOCK();
		gctx->data = gctx->y + i; /* unprotected plain write */
		UNLOCK();
		barrier();
	}
	return NULL;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--race=2plain_w|plain_rw] [--iter1 N] [--iter2 N]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	pthread_t t1, t2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--race=2plain_w")) {
			race_2plain_w = 1, race_plain_rw = 0;
		} else if (!strcmp(argv[i], "--race=plain_rw")) {
			race_2plain_w = 0, race_plain_rw = 1;
		} else if (!strcmp(argv[i], "--iter1") && i + 1 < argc) {
			iter1 = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--iter2") && i + 1 < argc) {
			iter2 = atol(argv[++i]);
		} else {
			usage(argv[0]);
		}
	}

	gctx = calloc(1, sizeof(*gctx));
	if (!gctx)
		return 1;
	gctx->y = 98000;
	printf("datarace: %s, iter1=%ld iter2=%ld\n",
	       race_2plain_w ? "2 plain writes" : "plain read vs plain write", iter1, iter2);
	fflush(stdout);
	pthread_create(&t1, NULL, do_the_work1, NULL);
	pthread_create(&t2, NULL, do_the_work2, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	free(gctx);
	return 0;
}
