// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * count_hooks.c - hooks that only count (BENCHMARKS.md).
 *
 * bench/run.sh links the benchmark object with these once per workload to learn
 * how many instrumented accesses a run makes, so that it can print the cost per
 * access. Not timed. Built WITHOUT -fsanitize. Like empty_hooks.c, it defines
 * only hooks without semantics (no atomics).
 */
#include <stddef.h>
#include <stdio.h>

static unsigned long accesses;

#define HOOK __attribute__((visibility("default"))) void
#define COUNT() __atomic_fetch_add(&accesses, 1, __ATOMIC_RELAXED)

HOOK __tsan_init(void) {}
HOOK __tsan_func_entry(void *pc) { (void)pc; }
HOOK __tsan_func_exit(void) {}
HOOK __tsan_vptr_update(void **vptr, void *val) { (void)vptr; (void)val; COUNT(); }

#define SIZED(N)                                                        \
	HOOK __tsan_read##N(void *a) { (void)a; COUNT(); }              \
	HOOK __tsan_write##N(void *a) { (void)a; COUNT(); }             \
	HOOK __tsan_volatile_read##N(void *a) { (void)a; COUNT(); }     \
	HOOK __tsan_volatile_write##N(void *a) { (void)a; COUNT(); }

SIZED(1)
SIZED(2)
SIZED(4)
SIZED(8)
SIZED(16)

HOOK __tsan_read_range(void *a, size_t size) { (void)a; (void)size; COUNT(); }
HOOK __tsan_write_range(void *a, size_t size) { (void)a; (void)size; COUNT(); }

__attribute__((destructor)) static void print_count(void)
{
	fprintf(stderr, "instrumented_accesses=%lu\n", accesses);
}
