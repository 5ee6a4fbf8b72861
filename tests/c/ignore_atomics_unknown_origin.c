// SPDX-License-Identifier: MIT OR Apache-2.0
// ignore_atomics_unknown_origin.c - with ignore_atomics=1, marked accesses
// make no runtime call at all: an atomic store racing with a plain read can
// then only show up as a race of unknown origin (the value changed under the
// reader's watchpoint), never with the store's stack.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: ignore_atomics=1
// EXPECT: {{^}}BUG: KCSAN: data-race in reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}}{{$}}
// EXPECT: {{^}}race at unknown origin, with read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// NEVER: write (marked)
// STDOUT: ignore_atomics_unknown_origin: done

#include "scenario.h"

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
long shared;
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	(void)i;
	__atomic_store_n(&shared, i, __ATOMIC_RELAXED); // [[@write]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("ignore_atomics_unknown_origin", writer, reader);
}
