// SPDX-License-Identifier: MIT OR Apache-2.0
// signal_same_thread_silent.c - a thread racing with its own signal
// handler, with the default interrupt_watcher=0: signals are blocked while
// the thread watches (the kernel disables interrupts), so the handler can
// neither hit the watchpoint nor change the value under it, and nothing is
// reported although the thread really watched. The same program with
// interrupt_watcher=1 is signal_same_thread_interrupt_watcher.c.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -lrt && %run %t
// OPTIONS: skip_watch=20:print_stats=1
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN

#include <signal.h>
#include <string.h>

#include "scenario.h"

static long ticks;
static volatile long sink;

void on_timer(int sig)
{
	(void)sig;
	ticks++;
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
		sum += ticks;
		barrier();
	}
	timer_delete(timer);
	sink = sum;
	return 0;
}
