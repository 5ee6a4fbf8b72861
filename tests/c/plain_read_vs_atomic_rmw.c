// SPDX-License-Identifier: MIT OR Apache-2.0
// plain_read_vs_atomic_rmw.c - a plain read racing with an atomic
// read-modify-write (__atomic_fetch_add) is reported; the RMW is shown as
// "read-write (marked)" (kcsan_test's test_read_plain_atomic_rmw).
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}}read-write (marked) to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}plain_read_vs_atomic_rmw.c:[[store]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}plain_read_vs_atomic_rmw.c:[[read]]{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// STDOUT: plain_read_vs_atomic_rmw: done

#include "scenario.h"

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
long shared;
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	(void)i;
	__atomic_fetch_add(&shared, 3, __ATOMIC_RELAXED); // [[@store]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("plain_read_vs_atomic_rmw", writer, reader);
}
