/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* bench/workloads/zstd_mt.c - zstd (from the zstd-sys crate) under threads.
 *
 * usage: zstd_mt THREADS ROUNDS MIB
 *
 * THREADS application threads each, ROUNDS times, compress their own MIB MiB
 * of text with a ZSTD_CCtx that uses zstd's own worker pool (nbWorkers=2, so
 * zstd's job queue, mutexes and condition variables are in play), decompress
 * it with a per-thread ZSTD_DCtx and check the round trip. Prints the total
 * compressed size and a checksum, which must match across builds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ZSTD_STATIC_LINKING_ONLY
#include "zstd.h"
#include "text.h"

static int rounds;
static size_t len;
static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long total_csize, total_sum;

static void *worker(void *arg)
{
	long id = (long)arg;
	unsigned char *src = malloc(len), *back = malloc(len);
	size_t cap = ZSTD_compressBound(len);
	unsigned char *dst = malloc(cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	if (!src || !back || !dst || !cctx || !dctx) {
		fprintf(stderr, "zstd_mt: out of memory\n");
		exit(1);
	}
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, 2);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_jobSize, 512 * 1024);
	unsigned long long csize = 0, sum = 0;
	for (int r = 0; r < rounds; r++) {
		fill_text(src, len, (uint64_t)id * 1000 + r);
		size_t c = ZSTD_compress2(cctx, dst, cap, src, len);
		if (ZSTD_isError(c)) {
			fprintf(stderr, "zstd_mt: compress: %s\n", ZSTD_getErrorName(c));
			exit(1);
		}
		size_t d = ZSTD_decompressDCtx(dctx, back, len, dst, c);
		if (ZSTD_isError(d) || d != len || memcmp(src, back, len) != 0) {
			fprintf(stderr, "zstd_mt: round trip failed in thread %ld\n", id);
			exit(1);
		}
		csize += c;
		sum = fnv1a(dst, c, sum ? sum : 0xcbf29ce484222325ull);
	}
	pthread_mutex_lock(&total_lock);
	total_csize += csize;
	total_sum ^= sum;
	pthread_mutex_unlock(&total_lock);
	ZSTD_freeCCtx(cctx);
	ZSTD_freeDCtx(dctx);
	free(src);
	free(back);
	free(dst);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: zstd_mt THREADS ROUNDS MIB\n");
		return 2;
	}
	int threads = atoi(argv[1]);
	rounds = atoi(argv[2]);
	len = (size_t)atoi(argv[3]) << 20;
	pthread_t t[64];
	if (threads < 1 || threads > 64 || rounds < 1 || len == 0) {
		fprintf(stderr, "zstd_mt: bad arguments\n");
		return 2;
	}
	for (long i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("zstd_mt: compressed %llu bytes, checksum %016llx\n", total_csize, total_sum);
	return 0;
}
