// SPDX-License-Identifier: MIT OR Apache-2.0
// plain_read_vs_write_once.c - a plain read racing with WRITE_ONCE() (a
// volatile, i.e. marked, store) is reported: one plain side is enough, and
// the store is shown as "write (marked)". The plain reader sets up the
// watchpoint; the marked store only checks for one and hits it.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}}write (marked) to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}plain_read_vs_write_once.c:[[store]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}plain_read_vs_write_once.c:[[read]]{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// STDOUT: plain_read_vs_write_once: done

#include <kcsan.h>

#include "scenario.h"

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
long shared;
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	WRITE_ONCE(shared, i); // [[@store]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("plain_read_vs_write_once", writer, reader);
}
