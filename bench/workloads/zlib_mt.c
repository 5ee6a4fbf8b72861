/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* bench/workloads/zlib_mt.c - zlib (from the libz-sys crate) behind a shared
 * work queue.
 *
 * usage: zlib_mt THREADS BLOCKS KIB
 *
 * A mutex- and condition-variable-protected queue hands out BLOCKS block
 * numbers; THREADS workers each take one, generate KIB KiB of text, deflate
 * it with their own z_stream (level 6), inflate it back, check the round trip
 * and add the block's crc32 and compressed size to shared totals under the
 * queue's mutex. Prints the totals, which must match across builds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "zlib.h"
#include "text.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static int next_block, blocks;
static size_t len;
static unsigned long long total_csize, total_crc;

static int take(void)
{
	pthread_mutex_lock(&lock);
	int b = next_block < blocks ? next_block++ : -1;
	pthread_cond_signal(&more);
	pthread_mutex_unlock(&lock);
	return b;
}

static void *worker(void *arg)
{
	(void)arg;
	unsigned char *src = malloc(len), *back = malloc(len);
	uLong cap = compressBound(len);
	unsigned char *dst = malloc(cap);
	if (!src || !back || !dst) {
		fprintf(stderr, "zlib_mt: out of memory\n");
		exit(1);
	}
	z_stream d = { 0 }, i = { 0 };
	if (deflateInit(&d, 6) != Z_OK || inflateInit(&i) != Z_OK) {
		fprintf(stderr, "zlib_mt: init failed\n");
		exit(1);
	}
	for (int b; (b = take()) >= 0;) {
		fill_text(src, len, (uint64_t)b);
		deflateReset(&d);
		d.next_in = src, d.avail_in = len, d.next_out = dst, d.avail_out = cap;
		if (deflate(&d, Z_FINISH) != Z_STREAM_END) {
			fprintf(stderr, "zlib_mt: deflate failed\n");
			exit(1);
		}
		uLong c = d.total_out;
		inflateReset(&i);
		i.next_in = dst, i.avail_in = c, i.next_out = back, i.avail_out = len;
		if (inflate(&i, Z_FINISH) != Z_STREAM_END || i.total_out != len || memcmp(src, back, len)) {
			fprintf(stderr, "zlib_mt: round trip failed on block %d\n", b);
			exit(1);
		}
		uLong crc = crc32(0, dst, c);
		pthread_mutex_lock(&lock);
		total_csize += c;
		total_crc += crc;
		pthread_mutex_unlock(&lock);
	}
	deflateEnd(&d);
	inflateEnd(&i);
	free(src);
	free(back);
	free(dst);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: zlib_mt THREADS BLOCKS KIB\n");
		return 2;
	}
	int threads = atoi(argv[1]);
	blocks = atoi(argv[2]);
	len = (size_t)atoi(argv[3]) << 10;
	pthread_t t[64];
	if (threads < 1 || threads > 64 || blocks < 1 || len == 0) {
		fprintf(stderr, "zlib_mt: bad arguments\n");
		return 2;
	}
	for (int k = 0; k < threads; k++)
		pthread_create(&t[k], NULL, worker, NULL);
	for (int k = 0; k < threads; k++)
		pthread_join(t[k], NULL);
	printf("zlib_mt: compressed %llu bytes, crc sum %llx\n", total_csize, total_crc);
	return 0;
}
