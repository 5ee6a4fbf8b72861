// SPDX-License-Identifier: MIT OR Apache-2.0
// memcpy_race.c - a race between two bulk copies of a 40-byte buffer: one
// thread memcpy()s into it while another memcpy()s out of it. gcc expands
// the copies inline and instruments them as __tsan_write_range /
// __tsan_read_range, clang calls __tsan_memcpy; either way KCSAN sees one
// 40-byte access per copy and reports the race. A watched range wider than
// 8 bytes cannot be compared, so it is reported whenever the watchpoint is
// hit, without a "value changed" line. Either copy may be the watcher, so
// the two sides may come in either order.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in copy_in / copy_out{{$}}
// EXPECT: {{^}}{{(read|write)}} to 0x{{[0-9a-f]+}} of 40 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (copy_in\+0x[0-9a-f]+/0x[0-9a-f]+ .*memcpy_race\.c:[[in]]|copy_out\+0x[0-9a-f]+/0x[0-9a-f]+ .*memcpy_race\.c:[[out]])$}}
// EXPECT: {{^}}{{(read|write)}} to 0x{{[0-9a-f]+}} of 40 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (copy_in\+0x[0-9a-f]+/0x[0-9a-f]+ .*memcpy_race\.c:[[in]]|copy_out\+0x[0-9a-f]+/0x[0-9a-f]+ .*memcpy_race\.c:[[out]])$}}
// STDOUT: memcpy_race: done
// NEVER: value changed

#include <string.h>

#include "scenario.h"

#define LEN 40

static char buffer[LEN];
static int64_t budget_ms;
static volatile long sink;

__attribute__((noinline)) static long checksum(const char *p)
{
	long s = 0;
	for (int i = 0; i < LEN; i++)
		s += p[i];
	return s;
}

void *copy_in(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	char src[LEN];
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		for (int k = 0; k < LEN; k++)
			src[k] = (char)(i + k);
		sink = checksum(src);
		memcpy(buffer, src, LEN); // [[@in]]
		barrier();
	}
	return NULL;
}

void *copy_out(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	char dst[LEN];
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		memcpy(dst, buffer, LEN); // [[@out]]
		barrier(); /* buffer may change here: no forwarding of the copy */
		sum += checksum(dst);
		barrier();
	}
	sink = sum;
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], copy_in, NULL);
	scenario_spawn(&t[1], copy_out, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("memcpy_race: done\n");
	return 0;
}
