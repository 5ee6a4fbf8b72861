// SPDX-License-Identifier: MIT OR Apache-2.0
// unknown_origin.c - a race with a writer KCSAN cannot see: the writer is
// __no_kcsan (not instrumented, like code built without KCSAN or a DMA
// engine), so only the value change gives the race away. The report names
// only the watcher: "race at unknown origin, with read to ...", and its
// title is the watcher's frame with offsets (kcsan_test's
// test_unknown_origin). unknown_origin_disabled.c turns these reports off.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}}{{$}}
// EXPECT: {{^}}race at unknown origin, with read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}unknown_origin.c:[[read]]{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// STDOUT: unknown_origin: done
// NEVER: writer+0x

#include <kcsan.h>

#include "scenario.h"

static long shared;
static int64_t budget_ms;
static volatile long sink;

__no_kcsan void *writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		shared = i; /* invisible to KCSAN */
		barrier();
	}
	return NULL;
}

void *reader(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		sum += shared; // [[@read]]
		barrier();
	}
	sink = sum;
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], writer, NULL);
	scenario_spawn(&t[1], reader, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("unknown_origin: done\n");
	return 0;
}
