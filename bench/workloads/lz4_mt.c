/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* bench/workloads/lz4_mt.c - LZ4 (from the lz4-sys crate): per-thread
 * streaming compression of a shared input, blocks claimed atomically.
 *
 * usage: lz4_mt THREADS BLOCKS KIB
 *
 * The main thread generates BLOCKS blocks of KIB KiB of text into one shared
 * buffer before starting the workers (thread creation publishes it). Workers
 * claim block numbers with an atomic counter, compress each with their own
 * LZ4_streamHC_t (level 9, the previous claimed block as dictionary) and
 * LZ4_compress_default alternately, decompress with LZ4_decompress_safe,
 * check the round trip and sum the compressed sizes with an atomic add. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lz4.h"
#include "lz4hc.h"
#include "text.h"

static unsigned char *input;
static size_t len;
static int blocks;
static int next_block;
static unsigned long long total_csize, total_sum;

static void *worker(void *arg)
{
	(void)arg;
	int cap = LZ4_compressBound((int)len);
	char *dst = malloc(cap), *back = malloc(len);
	LZ4_streamHC_t *hc = LZ4_createStreamHC();
	if (!dst || !back || !hc) {
		fprintf(stderr, "lz4_mt: out of memory\n");
		exit(1);
	}
	for (int b; (b = __atomic_fetch_add(&next_block, 1, __ATOMIC_RELAXED)) < blocks;) {
		const char *src = (const char *)input + (size_t)b * len;
		int c;
		if (b % 2) {
			LZ4_resetStreamHC_fast(hc, 9);
			c = LZ4_compress_HC_continue(hc, src, dst, (int)len, cap);
		} else {
			c = LZ4_compress_default(src, dst, (int)len, cap);
		}
		int d = LZ4_decompress_safe(dst, back, c, (int)len);
		if (c <= 0 || d != (int)len || memcmp(src, back, len)) {
			fprintf(stderr, "lz4_mt: round trip failed on block %d\n", b);
			exit(1);
		}
		__atomic_fetch_add(&total_csize, (unsigned long long)c, __ATOMIC_RELAXED);
		__atomic_fetch_xor(&total_sum, fnv1a((unsigned char *)dst, c, 0xcbf29ce484222325ull),
				   __ATOMIC_RELAXED);
	}
	LZ4_freeStreamHC(hc);
	free(dst);
	free(back);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: lz4_mt THREADS BLOCKS KIB\n");
		return 2;
	}
	int threads = atoi(argv[1]);
	blocks = atoi(argv[2]);
	len = (size_t)atoi(argv[3]) << 10;
	pthread_t t[64];
	if (threads < 1 || threads > 64 || blocks < 1 || len == 0) {
		fprintf(stderr, "lz4_mt: bad arguments\n");
		return 2;
	}
	input = malloc((size_t)blocks * len);
	if (!input) {
		fprintf(stderr, "lz4_mt: out of memory\n");
		return 1;
	}
	for (int b = 0; b < blocks; b++)
		fill_text(input + (size_t)b * len, len, (uint64_t)b);
	for (int k = 0; k < threads; k++)
		pthread_create(&t[k], NULL, worker, NULL);
	for (int k = 0; k < threads; k++)
		pthread_join(t[k], NULL);
	printf("lz4_mt: compressed %llu bytes, checksum %016llx\n", total_csize, total_sum);
	free(input);
	return 0;
}
