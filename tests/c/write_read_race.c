// SPDX-License-Identifier: MIT OR Apache-2.0
// write_read_race.c - a plain write racing with a plain read: KCSAN's basic
// case (kcsan_test's test_basic). The reader sets up watchpoints (plain
// writes are assumed atomic by default and never watch); the writer hits
// them. The report names both threads' top frames, sorted, in the title,
// shows both stacks with file:line, and the value the watcher saw change.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}write_read_race.c:[[write]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}write_read_race.c:[[read]]{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// EXPECT: {{^}}Reported by Kernel Concurrency Sanitizer on:
// EXPECT: {{^}}CPU: {{[0-9]+}} PID: {{[0-9]+}} TID: {{[0-9]+}} Comm: write_read_race Exe: {{.*}}write_read_race{{$}}
// STDOUT: write_read_race: done
// NEVER: kcsan: error

#include "scenario.h"

static long shared;
static int64_t budget_ms;
static volatile long sink;

void *writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		shared = i; // [[@write]]
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
	printf("write_read_race: done\n");
	return 0;
}
