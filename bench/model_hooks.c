// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * model_hooks.c - a C model of the smallest KCSAN fast path (BENCHMARKS.md).
 *
 * Variant (f) of bench/run.sh: what kcsan's fast path would cost if it were
 * nothing but the checks the kernel's design needs, hand-written in C:
 *
 *   every access:  scan the 3-slot window of a 64-slot watchpoint table
 *                  (3 loads, OR, one branch)
 *   aligned plain writes <= 8 bytes: return (assume_plain_writes_atomic=1)
 *   other accesses: --skip in a static-TLS counter; < 0 takes the slow path
 *
 * The table stays empty and the "slow path" only restarts the skip count, so
 * this is a cost model, not a detector: compare it with variant (a) (kcsan
 * with watchpoints off), which does the same work on its fast path. The gap
 * between (a) and (f) is what the Rust implementation adds; the gap between
 * (f) and (c) (empty hooks) is the price of the design itself.
 *
 * Built WITHOUT -fsanitize. Defines the same hooks as empty_hooks.c.
 */
#include <stddef.h>
#include <stdint.h>

#define HOOK __attribute__((visibility("default"))) void

/* 64 slots + 2 spare entries, as in kcsan-core's watchpoint table. */
static volatile uintptr_t watchpoints[64 + 2];
static __thread long skip;

__attribute__((noinline, cold)) static void slow_path(const void *addr)
{
	(void)addr;
	skip = 4000;
}

static inline __attribute__((always_inline)) int window_busy(const void *addr)
{
	uintptr_t slot = ((uintptr_t)addr >> 12) & 63;
	return (watchpoints[slot] | watchpoints[slot + 1] | watchpoints[slot + 2]) != 0;
}

static inline __attribute__((always_inline)) void check(const void *addr, size_t size, int is_write)
{
	if (window_busy(addr)) {
		slow_path(addr);
		return;
	}
	if (is_write && size <= 8 && ((uintptr_t)addr & (size - 1)) == 0)
		return;
	if (--skip < 0)
		slow_path(addr);
}

HOOK __tsan_init(void) {}
HOOK __tsan_func_entry(void *pc) { (void)pc; }
HOOK __tsan_func_exit(void) {}
HOOK __tsan_vptr_update(void **vptr, void *val) { (void)val; check(vptr, sizeof(*vptr), 1); }

#define SIZED(N)                                                                \
	HOOK __tsan_read##N(void *a) { check(a, N, 0); }                        \
	HOOK __tsan_write##N(void *a) { check(a, N, 1); }                       \
	HOOK __tsan_volatile_read##N(void *a) { check(a, N, 0); }               \
	HOOK __tsan_volatile_write##N(void *a) { check(a, N, 1); }

SIZED(1)
SIZED(2)
SIZED(4)
SIZED(8)
SIZED(16)

HOOK __tsan_read_range(void *a, size_t size) { check(a, size, 0); }
HOOK __tsan_write_range(void *a, size_t size) { check(a, size, 1); }
