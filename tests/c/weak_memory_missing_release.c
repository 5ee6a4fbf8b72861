// SPDX-License-Identifier: MIT OR Apache-2.0
// weak_memory_missing_release.c - a spin lock whose unlock is a relaxed store
// instead of a release: on x86 it happens to work, but a weakly ordered CPU
// may make the unlock visible before the critical section's writes. With
// weak_memory=1 (and the program built with KCSAN_WEAK_MEMORY=1), a watched
// write of the critical section stays pending past the relaxed unlock and
// races with the next owner's accesses: a "(reordered)" report whose
// top frame is the write and which says where it was reordered to
// (kcsan_test's test_missing_barrier). With -DFIXED the unlock is
// smp_store_release(), which orders the writes: weak_memory_release_silent.c.
//
// RUN: KCSAN_WEAK_MEMORY=1 %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: strict=1:weak_memory=1
// EXPECT: {{^}}BUG: KCSAN: data-race in critical / critical{{$}}
// EXPECT: {{^}}{{(read|write|read-write)}} (reordered) to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} critical+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}weak_memory_missing_release.c:[[write]]{{$}}
// EXPECT: {{^}}  +-> reordered to: critical+
// STDOUT: weak_memory_missing_release: done

#include <kcsan.h>

#include "scenario.h"

#ifdef FIXED
#define NAME "weak_memory_release_silent"
#else
#define NAME "weak_memory_missing_release"
#endif

static long data;
static int lock;

SCENARIO_BODY void critical(long i)
{
	int unlocked = 0;
	(void)i;
	if (!__atomic_compare_exchange_n(&lock, &unlocked, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	for (int k = 0; k < 100; k++) {
		data++; // [[@write]]
		barrier();
	}
#ifdef FIXED
	smp_store_release(&lock, 0);
#else
	__atomic_store_n(&lock, 0, __ATOMIC_RELAXED);
#endif
	for (int k = 0; k < 10; k++)
		(void)READ_ONCE(scenario_table[k]);
}

int main(void)
{
	scenario_table_init();
	return scenario_run_pair(NAME, critical, critical);
}
