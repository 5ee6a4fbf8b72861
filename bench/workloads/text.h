/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* bench/workloads/text.h - deterministic compressible input for the drivers:
 * words from a small vocabulary picked by xorshift, so that the compressors
 * do real matching work (random bytes would be stored, not compressed). */
#ifndef KCSAN_BENCH_TEXT_H
#define KCSAN_BENCH_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static inline void fill_text(unsigned char *buf, size_t len, uint64_t seed)
{
	static const char *const words[] = {
		"the ", "watchpoint ", "stalls ", "while ", "another ", "thread ",
		"writes ", "to ", "a ", "shared ", "counter ", "and ", "KCSAN ",
		"reports ", "data-race ", "in ", "kernel ", "user ", "space, ",
		"sampling ", "one ", "access ", "every ", "few ", "thousand.\n",
	};
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
	size_t i = 0;
	while (i < len) {
		const char *w = words[xorshift64(&s) % (sizeof(words) / sizeof(words[0]))];
		size_t n = strlen(w);
		if (n > len - i)
			n = len - i;
		memcpy(buf + i, w, n);
		i += n;
	}
}

/* FNV-1a, to print one checksum that must match across builds. */
static inline uint64_t fnv1a(const unsigned char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

#endif
