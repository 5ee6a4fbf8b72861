// SPDX-License-Identifier: MIT OR Apache-2.0
// plain_read_vs_atomic_store.c - a data race needs only ONE plain access: a
// plain read racing with an atomic store (__atomic_store_n) is reported, and
// the store is shown as "write (marked)". The plain reader sets up the
// watchpoint; the marked store only checks for one and hits it.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}}write (marked) to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}plain_read_vs_atomic_store.c:[[store]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}plain_read_vs_atomic_store.c:[[read]]{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// STDOUT: plain_read_vs_atomic_store: done

#include "scenario.h"

long shared;
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	__atomic_store_n(&shared, i, __ATOMIC_RELAXED); // [[@store]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("plain_read_vs_atomic_store", writer, reader);
}
