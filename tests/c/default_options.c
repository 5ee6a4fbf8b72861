// SPDX-License-Identifier: MIT OR Apache-2.0
// default_options.c - a program can carry its own defaults by defining
// __kcsan_default_options() (like __tsan_default_options): here
// "assume_plain_writes_atomic=0:print_stats=1". With no KCSAN_OPTIONS, a
// plain write/write race (silent under the kernel's defaults, see
// write_write_silent_kernel_preset.c) is reported and statistics are printed.
// default_options_overridden.c runs the same program with KCSAN_OPTIONS
// overriding one of them.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in writer_a / writer_b{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer_{{[ab]}}+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}default_options.c:{{[0-9]+}}{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer_{{[ab]}}+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}default_options.c:{{[0-9]+}}{{$}}
// STDERR: {{^}}kcsan: statistics for pid {{[0-9]+}}:
// STDOUT: default_options: done
// NEVER: kcsan: error

#include "scenario.h"

const char *__kcsan_default_options(void)
{
	return "assume_plain_writes_atomic=0:print_stats=1";
}

long shared; /* not static: a write-only static may be optimized away */
static int64_t budget_ms;

void *writer_a(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		shared = i;
		barrier();
	}
	return NULL;
}

void *writer_b(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		shared = -i;
		barrier();
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], writer_a, NULL);
	scenario_spawn(&t[1], writer_b, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("default_options: done (%s)\n", shared != 0 ? "written" : "zero");
	return 0;
}
