// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * empty_hooks.c - a "runtime" whose hooks do nothing (BENCHMARKS.md).
 *
 * Linked instead of kcsan, it measures what the instrumentation's calls cost by
 * themselves: the floor any runtime's fast path sits on. Built WITHOUT
 * -fsanitize (it must not instrument itself) by bench/run.sh, which checks that
 * every __tsan_* symbol the benchmark objects reference is defined here.
 *
 * Only hooks with no semantics are here: the plain, volatile and range access
 * hooks, function entry/exit, vptr updates and __tsan_init. Atomic hooks must
 * really perform the operation, so the benchmark programs use no atomics.
 */
#include <stddef.h>

#define EMPTY __attribute__((visibility("default"), used)) void

EMPTY __tsan_init(void) {}
EMPTY __tsan_func_entry(void *pc) { (void)pc; }
EMPTY __tsan_func_exit(void) {}
EMPTY __tsan_vptr_update(void **vptr, void *val) { (void)vptr; (void)val; }

#define SIZED(N)                                                        \
	EMPTY __tsan_read##N(void *a) { (void)a; }                      \
	EMPTY __tsan_write##N(void *a) { (void)a; }                     \
	EMPTY __tsan_volatile_read##N(void *a) { (void)a; }             \
	EMPTY __tsan_volatile_write##N(void *a) { (void)a; }

SIZED(1)
SIZED(2)
SIZED(4)
SIZED(8)
SIZED(16)

EMPTY __tsan_read_range(void *a, size_t size) { (void)a; (void)size; }
EMPTY __tsan_write_range(void *a, size_t size) { (void)a; (void)size; }
