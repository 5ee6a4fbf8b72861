// SPDX-License-Identifier: MIT OR Apache-2.0
// wide_access_race.c - a race on a 16-byte object (an __int128 loaded and
// stored whole: __tsan_read16 / __tsan_write16). A plain write wider than
// 8 bytes is not assumed atomic, so both sides watch and either may come
// first in the report; a watched value wider than 8 bytes cannot be
// compared, so the race is reported whenever the watchpoint is hit.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^(read|write)}} to 0x{{[0-9a-f]+}} of 16 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (reader\+0x[0-9a-f]+/0x[0-9a-f]+ .*wide_access_race\.c:[[read]]|writer\+0x[0-9a-f]+/0x[0-9a-f]+ .*wide_access_race\.c:[[write]])$}}
// EXPECT: {{^(read|write)}} to 0x{{[0-9a-f]+}} of 16 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (reader\+0x[0-9a-f]+/0x[0-9a-f]+ .*wide_access_race\.c:[[read]]|writer\+0x[0-9a-f]+/0x[0-9a-f]+ .*wide_access_race\.c:[[write]])$}}
// STDOUT: wide_access_race: done
// NEVER: value changed

#include "scenario.h"

static __int128 wide;
static int64_t budget_ms;
static volatile long sink;

void *writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		wide = (__int128)i << 64 | (unsigned long)i; // [[@write]]
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
		__int128 w = wide; // [[@read]]
		sum += (long)w + (long)(w >> 64);
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
	printf("wide_access_race: done\n");
	return 0;
}
