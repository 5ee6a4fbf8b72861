// SPDX-License-Identifier: MIT OR Apache-2.0
// unknown_origin.c - a race with a writer KCSAN cannot see: the writer is
// __no_kcsan (not instrumented, like code built without KCSAN or a DMA
// engine), so only the value change gives the race away. The report names
// only the watcher: "race at unknown origin, with read to ...", and its
// title is the watcher's frame with offsets (kcsan_test's
// test_unknown_origin). Watched again (udelay_rewatch), the value changes
// again unseen: the report says the writer is most likely not instrumented. unknown_origin_disabled.c turns these reports off.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}}{{$}}
// EXPECT: {{^}}race at unknown origin, with read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}unknown_origin.c:[[read]]{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// EXPECT: {{^}}watched again for 1000 us: changed again, unseen: the writer is most likely not instrumented{{$}}
// STDOUT: unknown_origin: done
// NEVER: writer+0x

#include <kcsan.h>

#include "scenario.h"

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
long shared;
static volatile long sink;

__no_kcsan SCENARIO_BODY void writer(long i)
{
	shared = i; /* invisible to KCSAN */
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

int main(void)
{
	return scenario_run_pair("unknown_origin", writer, reader);
}
