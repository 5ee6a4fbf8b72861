// SPDX-License-Identifier: MIT OR Apache-2.0
// memcpy_runtime_size_race.c - a race through memcpy() calls whose size is
// only known at run time, so no compiler can expand them inline: one thread
// copies records into a shared buffer, another copies them out. clang turns
// the calls into __tsan_memcpy; gcc's ThreadSanitizer leaves them as calls
// to the C library's memcpy (libtsan intercepts those; kcsan must see them
// too). Both copies are 64-byte ranges, so either may be the watcher.
// memcpy_race.c is the constant-size case, which gcc expands inline.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// ARGS: 64
// DEADLINE: 15
// EXPECT: {{^}}BUG: KCSAN: data-race in copy_in / copy_out{{$}}
// EXPECT: {{^(read|write)}} to 0x{{[0-9a-f]+}} of 64 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (copy_in\+0x[0-9a-f]+/0x[0-9a-f]+ .*memcpy_runtime_size_race\.c:[[in]]|copy_out\+0x[0-9a-f]+/0x[0-9a-f]+ .*memcpy_runtime_size_race\.c:[[out]])$}}
// EXPECT: {{^(read|write)}} to 0x{{[0-9a-f]+}} of 64 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (copy_in\+0x[0-9a-f]+/0x[0-9a-f]+ .*memcpy_runtime_size_race\.c:[[in]]|copy_out\+0x[0-9a-f]+/0x[0-9a-f]+ .*memcpy_runtime_size_race\.c:[[out]])$}}
// STDOUT: memcpy_runtime_size_race: done

#include <string.h>

#include "scenario.h"

#define MAX 256

char buffer[MAX]; /* not static: every access must stay */
static size_t len;
static int64_t budget_ms;
static volatile long sink;

__attribute__((noinline)) static long checksum(const char *p, size_t n)
{
	long s = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

void *copy_in(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	char src[MAX];
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		memset(src, (int)i, len);
		sink = checksum(src, len);
		memcpy(buffer, src, len); // [[@in]]
		barrier();
	}
	return NULL;
}

void *copy_out(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	char dst[MAX];
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		memcpy(dst, buffer, len); // [[@out]]
		barrier();
		sum += checksum(dst, len);
	}
	sink = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[2];

	len = argc > 1 ? (size_t)atol(argv[1]) : 64;
	if (len == 0 || len > MAX)
		return 2;
	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], copy_in, NULL);
	scenario_spawn(&t[1], copy_out, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("memcpy_runtime_size_race: done\n");
	return 0;
}
