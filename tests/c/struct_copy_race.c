// SPDX-License-Identifier: MIT OR Apache-2.0
// struct_copy_race.c - a race on whole-struct assignments: one thread
// publishes a new 48-byte configuration with a plain struct assignment
// (`config = next;`), another copies it out (`struct config c = config;`)
// without a lock. Whatever instructions the compiler picks for the copies
// (eight-byte moves, vector moves, a memcpy call), KCSAN must see both sides
// and report a data race between publish() and snapshot() naming both.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in publish / snapshot{{$}}
// EXPECT: {{^(read|write)}} to 0x{{[0-9a-f]+}} of {{[0-9]+}} bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (publish\+0x[0-9a-f]+/0x[0-9a-f]+ .*struct_copy_race\.c:[[publish]]|snapshot\+0x[0-9a-f]+/0x[0-9a-f]+ .*struct_copy_race\.c:[[snapshot]])$}}
// EXPECT: {{^(read|write)}} to 0x{{[0-9a-f]+}} of {{[0-9]+}} bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (publish\+0x[0-9a-f]+/0x[0-9a-f]+ .*struct_copy_race\.c:[[publish]]|snapshot\+0x[0-9a-f]+/0x[0-9a-f]+ .*struct_copy_race\.c:[[snapshot]])$}}
// STDOUT: struct_copy_race: done

#include "scenario.h"

struct config {
	long version;
	long limits[4];
	long checksum;
};

struct config config; /* not static: every access must stay */
static int64_t budget_ms;
static volatile long sink;

__attribute__((noinline)) static long sum_config(const struct config *c)
{
	long s = c->version + c->checksum;
	for (int i = 0; i < 4; i++)
		s += c->limits[i];
	return s;
}

void *publish(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		struct config next;
		next.version = i;
		for (int k = 0; k < 4; k++)
			next.limits[k] = i * 4 + k;
		next.checksum = -i;
		config = next; // [[@publish]]
		barrier();
	}
	return NULL;
}

void *snapshot(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		struct config c = config; // [[@snapshot]]
		barrier();
		sum += sum_config(&c);
	}
	sink = sum;
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], publish, NULL);
	scenario_spawn(&t[1], snapshot, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("struct_copy_race: done\n");
	return 0;
}
