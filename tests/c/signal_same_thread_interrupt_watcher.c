// SPDX-License-Identifier: MIT OR Apache-2.0
// signal_same_thread_interrupt_watcher.c - a thread racing with its own signal
// handler. With interrupt_watcher=1 (as strict=1 implies) signals stay
// deliverable while the thread watches, so the handler hits the watchpoint
// and the race is reported between the task and the interrupt of the same
// thread. signal_same_thread_silent.c is the same program with the default
// interrupt_watcher=0.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -lrt && %run %t
// OPTIONS: interrupt_watcher=1:skip_watch=20
// EXPECT: {{^}}BUG: KCSAN: data-race in main / on_timer{{$}}
// EXPECT: {{^}}{{(write|read-write)}} to 0x{{[0-9a-f]+}} of 8 bytes by interrupt in task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} on_timer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}signal_same_thread_interrupt_watcher.c:[[write]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} main+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}signal_same_thread_interrupt_watcher.c:[[read]]{{$}}

#include <signal.h>
#include <string.h>

#include "scenario.h"

static long ticks;
static volatile long sink;

void on_timer(int sig)
{
	(void)sig;
	ticks++; // [[@write]]
}

int main(void)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its = { { 0, 50000 }, { 0, 50000 } };
	timer_t timer;
	long sum = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_timer;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	if (sigaction(SIGALRM, &sa, NULL) || timer_create(CLOCK_MONOTONIC, &sev, &timer) ||
	    timer_settime(timer, 0, &its, NULL))
		return 1;
	int64_t end = scenario_now_ms() + scenario_budget_ms(300);
	for (long i = 0; (i & 255) || scenario_now_ms() < end; i++) {
		sum += ticks; // [[@read]]
		barrier();
	}
	timer_delete(timer);
	sink = sum;
	return 0;
}
