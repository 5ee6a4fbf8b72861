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

static long shared;
static int64_t budget_ms;
static volatile long sink;

void *writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		WRITE_ONCE(shared, i); // [[@store]]
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
	printf("plain_read_vs_write_once: done\n");
	return 0;
}
