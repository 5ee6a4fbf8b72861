// SPDX-License-Identifier: MIT OR Apache-2.0
// handler_siglongjmp.c - a handler races with another thread and then
// leaves with siglongjmp, never returning through the runtime's signal
// trampoline: as the racer it may have consumed a watchpoint and never
// filled its half of the report; as a thread it stays "in interrupt" as far
// as the runtime knows. Watchers must not wait forever, the program must
// finish, and a race made afterwards, in task context, is reported as one
// ("by task", not "by interrupt").
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=10:report_once_in_ms=0
// EXPECT: {{^}}BUG: KCSAN: data-race in {{(late_write / late_read|late_read / late_write)}}{{$}}
// EXPECT: {{^}}{{(read|write)}} to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu
// EXPECT: {{^}}{{(read|write)}} to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu
// STDOUT: handler_siglongjmp: jumped {{[0-9]+}} times
// STDOUT: handler_siglongjmp: done
// TIMEOUT: 30

#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "../c/scenario.h"

static long shared, late;
static volatile sig_atomic_t stop;
static volatile long sink;
static sigjmp_buf jb;

void on_signal(int sig)
{
	(void)sig;
	for (int i = 0; i < 32; i++) {
		shared = i;
		barrier();
	}
	siglongjmp(jb, 1);
}

void *watcher(void *arg)
{
	(void)arg;
	for (long i = 0; !stop; i++) {
		sink = shared;
		barrier();
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
	struct sigaction sa;
	pthread_t t;
	volatile long jumps = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return 1;
	scenario_spawn(&t, watcher, NULL);
	int64_t end = scenario_now_ms() + scenario_budget_ms(600);
	while (scenario_now_ms() < end) {
		if (sigsetjmp(jb, 1) == 0)
			raise(SIGUSR1);
		else
			jumps++;
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("handler_siglongjmp: jumped %ld times\n", (long)jumps);
	/* main's own accesses now: in task context again. */
	struct scenario_worker w = { late_read, scenario_budget_ms(300) };
	pthread_t r;
	scenario_spawn(&r, scenario_worker_main, &w);
	struct scenario_deadline dl = scenario_deadline_in(scenario_budget_ms(300));
	for (long i = 0; !scenario_expired(&dl, i); i++)
		late_write(i);
	pthread_join(r, NULL);
	printf("handler_siglongjmp: done\n");
	return 0;
}
