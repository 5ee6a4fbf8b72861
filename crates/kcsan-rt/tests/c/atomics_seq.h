/*
 * Shared between atomics_seq.c (compiled twice: instrumented, so every atomic
 * builtin becomes a __tsan_atomic* call into kcsan-rt, and plain, so the
 * compiler emits the instructions itself) and atomics_main.c, which runs both
 * and compares what they recorded.
 */
#ifndef KCSAN_TEST_ATOMICS_SEQ_H
#define KCSAN_TEST_ATOMICS_SEQ_H

#include <stdint.h>

/* Capacity of the out[] array; out[0] holds the number of values recorded
 * after it (out[1] .. out[out[0]]). */
#define SEQ_MAX_VALUES 4096

/* Counters hammered by several threads at once (atomicity under contention). */
struct seq_counters {
	uint8_t c8;
	uint16_t c16;
	uint32_t c32;
	uint64_t c64;
	unsigned __int128 c128;
	/* Incremented through compare-exchange retry loops. */
	uint32_t cas32;
	uint64_t cas64;
	unsigned __int128 cas128;
};

void seq_instrumented(uint64_t *out);
void seq_native(uint64_t *out);
void seq_instrumented_hammer(struct seq_counters *c, uint64_t iters);
void seq_native_hammer(struct seq_counters *c, uint64_t iters);

#endif
