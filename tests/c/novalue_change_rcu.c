// SPDX-License-Identifier: MIT OR Apache-2.0
// novalue_change_rcu.c - the kernel's exception to report_value_change_only:
// when the other access is in a function whose name contains _rcu (or rcu_,
// _srcu), the race is reported although the value did not change.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=100
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer_rcu{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer_rcu+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}novalue_change_rcu.c:[[write]]{{$}}
// STDOUT: novalue_change_rcu: done

#include "scenario.h"

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
long shared = 42; /* preset, as in the kernel test: the stores never change it */
static volatile long sink;

SCENARIO_BODY void writer_rcu(long i)
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
	return scenario_run_pair("novalue_change_rcu", writer_rcu, reader);
}
