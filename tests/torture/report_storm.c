// SPDX-License-Identifier: MIT OR Apache-2.0
// report_storm.c - 64 threads in 32 racing pairs, each pair on its own
// variable in its own functions, with no rate limit: dozens of reports
// at once. Every report must come out whole (never interleaved with
// another), the closing line's count must equal the reports printed (the
// harness checks both in every run), and the exit status is 66.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=50:report_once_in_ms=0
// EXPECT: {{^}}BUG: KCSAN: data-race in {{(write_|read_)}}{{[0-9]+}} / {{(write_|read_)}}{{[0-9]+}}{{$}}
// STDERR: {{^}}kcsan: reported {{[0-9][0-9]+}} races ({{[0-9]+}} unique){{$}}
// STDOUT: report_storm: done
// TIMEOUT: 60

#include "../c/scenario.h"

#define PAIRS 32

static long vars[PAIRS][8]; /* a cache line each */
static volatile long sink;
static struct scenario_deadline dl;

#define PAIR(n)                                                    \
	SCENARIO_BODY void write_##n(long i) { vars[n][0] = i; }   \
	SCENARIO_BODY void read_##n(long i) { (void)i; sink = vars[n][0]; }

PAIR(0) PAIR(1) PAIR(2) PAIR(3) PAIR(4) PAIR(5) PAIR(6) PAIR(7)
PAIR(8) PAIR(9) PAIR(10) PAIR(11) PAIR(12) PAIR(13) PAIR(14) PAIR(15)
PAIR(16) PAIR(17) PAIR(18) PAIR(19) PAIR(20) PAIR(21) PAIR(22) PAIR(23)
PAIR(24) PAIR(25) PAIR(26) PAIR(27) PAIR(28) PAIR(29) PAIR(30) PAIR(31)

#define BODIES(n) { write_##n, read_##n }
static scenario_body bodies[PAIRS][2] = {
	BODIES(0), BODIES(1), BODIES(2), BODIES(3), BODIES(4), BODIES(5), BODIES(6), BODIES(7),
	BODIES(8), BODIES(9), BODIES(10), BODIES(11), BODIES(12), BODIES(13), BODIES(14), BODIES(15),
	BODIES(16), BODIES(17), BODIES(18), BODIES(19), BODIES(20), BODIES(21), BODIES(22), BODIES(23),
	BODIES(24), BODIES(25), BODIES(26), BODIES(27), BODIES(28), BODIES(29), BODIES(30), BODIES(31),
};

static void *run(void *arg)
{
	scenario_body body = (scenario_body)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++)
		body(i);
	return NULL;
}

int main(void)
{
	pthread_t t[PAIRS * 2];

	dl = scenario_deadline_in(scenario_budget_ms(600));
	for (int p = 0; p < PAIRS; p++)
		for (int k = 0; k < 2; k++)
			if (pthread_create(&t[p * 2 + k], NULL, run, (void *)bodies[p][k]))
				return 1;
	for (int i = 0; i < PAIRS * 2; i++)
		pthread_join(t[i], NULL);
	printf("report_storm: done\n");
	return 0;
}
