// SPDX-License-Identifier: MIT OR Apache-2.0
// novalue_change_reported.c - with kcsan's defaults
// (report_value_change_only=0), the silent store of novalue_change_silent.c
// is reported: a race is a race even if the value happens not to change.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}novalue_change_reported.c:[[write]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// NEVER: value changed
// STDOUT: novalue_change_reported: done

#include "scenario.h"

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
long shared = 42; /* preset, as in the kernel test: the stores never change it */
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	(void)i;
	shared = 42; // [[@write]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("novalue_change_reported", writer, reader);
}
