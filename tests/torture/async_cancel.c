// SPDX-License-Identifier: MIT OR Apache-2.0
// async_cancel.c - threads with asynchronous cancellation enabled race on
// a counter (the loop is pure computation: async-cancel-safe code as POSIX
// allows) and are cancelled at arbitrary instructions, inside the runtime's
// hooks too. The process must not abort or hang, and a race made after the
// storm is still reported.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=10:report_once_in_ms=0
// EXPECT: {{^}}BUG: KCSAN: data-race in {{(late_write / late_read|late_read / late_write)}}{{$}}
// STDOUT: async_cancel: cancelled {{[0-9]+}} threads
// STDOUT: async_cancel: done
// TIMEOUT: 30

#include <unistd.h>

#include "../c/scenario.h"

static long shared, late;
static volatile long sink;

SCENARIO_BODY void race_step(long i)
{
	shared = i;
	sink = shared;
}

static void *racer(void *arg)
{
	(void)arg;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	for (long i = 0;; i++) {
		race_step(i);
	}
	return NULL;
}

SCENARIO_BODY void late_write(long i)
{
	late = i;
}

SCENARIO_BODY void late_read(long i)
{
	(void)i;
	sink = late;
}

int main(void)
{
	int64_t end = scenario_now_ms() + scenario_budget_ms(1500);
	long cancelled = 0;

	while (scenario_now_ms() < end) {
		pthread_t t[4];
		for (int i = 0; i < 4; i++)
			scenario_spawn(&t[i], racer, NULL);
		usleep(1000 + (cancelled % 7) * 300);
		for (int i = 0; i < 4; i++)
			pthread_cancel(t[i]);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		cancelled += 4;
	}
	printf("async_cancel: cancelled %ld threads\n", cancelled);
	scenario_run_pair("async_cancel", late_write, late_read);
	return 0;
}
