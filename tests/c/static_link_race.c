// SPDX-License-Identifier: MIT OR Apache-2.0
// static_link_race.c - a fully static program (-static): the runtime is
// linked in like any archive and works without the dynamic loader; the race
// is reported with both stacks. (In static links the wrappers do not wrap
// memcpy/memmove/memset: libc's own start-up copies run before thread-local
// storage exists.)
//
// RUN: %kcsan_cc -O2 -g -static %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}static_link_race.c:[[write]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}static_link_race.c:[[read]]{{$}}
// STDOUT: static_link_race: done

#include "scenario.h"

long shared;
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	shared = i; // [[@write]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("static_link_race", writer, reader);
}
