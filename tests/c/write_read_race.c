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

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
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
	return scenario_run_pair("write_read_race", writer, reader);
}
