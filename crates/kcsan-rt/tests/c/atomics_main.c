/*
 * Runs the atomic sequence of atomics_seq.c twice, once through kcsan-rt's
 * __tsan_atomic* entry points (seq_instrumented) and once as the compiler's
 * own instructions (seq_native), and requires identical records. Then hammers
 * shared counters from several threads through both, to show that the entry
 * points are atomic under contention.
 *
 * Not instrumented itself. Exit status: 0 = identical, 1 = mismatch.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "atomics_seq.h"

#define THREADS 2
#define ITERS 100000

static uint64_t got[SEQ_MAX_VALUES + 1];
static uint64_t want[SEQ_MAX_VALUES + 1];

struct hammer_arg {
	void (*hammer)(struct seq_counters *, uint64_t);
	struct seq_counters *c;
};

static void *hammer_thread(void *p)
{
	struct hammer_arg *a = p;
	a->hammer(a->c, ITERS);
	return NULL;
}

/* Runs `hammer` on THREADS threads and checks every counter. */
static int hammer(const char *name, void (*fn)(struct seq_counters *, uint64_t))
{
	static struct seq_counters c;
	pthread_t t[THREADS];
	struct hammer_arg arg = { fn, &c };
	const uint64_t n = (uint64_t)THREADS * ITERS;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, hammer_thread, &arg);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);

	struct {
		const char *field;
		uint64_t value, expected;
	} checks[] = {
		{ "c8", c.c8, (uint8_t)n },
		{ "c16", c.c16, (uint16_t)n },
		{ "c32", c.c32, (uint32_t)n },
		{ "c64", c.c64, n },
		{ "c128 (low)", (uint64_t)c.c128, n },
		{ "c128 (high)", (uint64_t)(c.c128 >> 64), 0 },
		{ "cas32", c.cas32, (uint32_t)n },
		{ "cas64", c.cas64, n },
		{ "cas128 (low)", (uint64_t)c.cas128, n },
		{ "cas128 (high)", (uint64_t)(c.cas128 >> 64), 0 },
	};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (checks[i].value != checks[i].expected) {
			printf("atomics: %s hammer: %s is %" PRIu64 ", expected %" PRIu64 "\n", name,
			       checks[i].field, checks[i].value, checks[i].expected);
			return 1;
		}
	}
	return 0;
}

int main(void)
{
	/* Different fill patterns, so an unwritten slot can never match. */
	memset(got, 0xa5, sizeof(got));
	memset(want, 0x5a, sizeof(want));

	seq_native(want);
	seq_instrumented(got);

	uint64_t n = want[0];
	if (n == 0 || n > SEQ_MAX_VALUES) {
		printf("atomics: native sequence recorded a bad count %" PRIu64 "\n", n);
		return 1;
	}
	for (uint64_t i = 0; i <= n; i++) {
		if (got[i] != want[i]) {
			printf("atomics: first mismatch at index %" PRIu64 " (of %" PRIu64
			       "): instrumented 0x%016" PRIx64 ", native 0x%016" PRIx64 "\n",
			       i, n, got[i], want[i]);
			return 1;
		}
	}

	if (hammer("native", seq_native_hammer) || hammer("instrumented", seq_instrumented_hammer))
		return 1;

	printf("atomics: %" PRIu64 " values identical\n", n);
	printf("atomics: %d threads x %d iterations of 8 atomic increments: counters exact\n",
	       THREADS, ITERS);
	return 0;
}
