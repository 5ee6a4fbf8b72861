// SPDX-License-Identifier: MIT OR Apache-2.0
// vectorized_store_race.c - a race whose writer the optimizer turns into
// vector stores: publish_one() fills a 48-byte struct with i, i+1, ..., i+5
// and assigns it to a global. At -O2 clang's SLP vectorizer merges the six
// stores into three 16-byte vector stores before the ThreadSanitizer pass
// runs, and that pass leaves vector stores uninstrumented; gcc instruments
// the copy as one __tsan_write_range. The writer must be visible either
// way: the race must be reported with both sides named. (An invisible
// writer shows up, at best, as a race of unknown origin.)
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// DEADLINE: 15
// EXPECT: {{^}}BUG: KCSAN: data-race in publish_one / snapshot{{$}}
// EXPECT: {{^(read|write)}} to 0x{{[0-9a-f]+}} of {{[0-9]+}} bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (publish_one\+0x[0-9a-f]+/0x[0-9a-f]+ .*vectorized_store_race\.c:[[store]]|snapshot\+0x[0-9a-f]+/0x[0-9a-f]+ .*vectorized_store_race\.c:[[load]])$}}
// EXPECT: {{^(read|write)}} to 0x{{[0-9a-f]+}} of {{[0-9]+}} bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^ (publish_one\+0x[0-9a-f]+/0x[0-9a-f]+ .*vectorized_store_race\.c:[[store]]|snapshot\+0x[0-9a-f]+/0x[0-9a-f]+ .*vectorized_store_race\.c:[[load]])$}}
// STDOUT: vectorized_store_race: done

#include "scenario.h"

struct block {
	long v[6];
};

struct block shared_block; /* not static: every access must stay */
static int64_t budget_ms;
static volatile long sink;

__attribute__((noinline)) void publish_one(long i)
{
	struct block next;
	for (int k = 0; k < 6; k++)
		next.v[k] = i + k;
	shared_block = next; // [[@store]]
}

void *publish(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		publish_one(i);
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
		sum += shared_block.v[i % 6]; // [[@load]]
		barrier();
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
	printf("vectorized_store_race: done\n");
	return 0;
}
