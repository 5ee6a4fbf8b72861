// SPDX-License-Identifier: MIT OR Apache-2.0
// signal_handler_race.c - signal handlers are KCSAN's interrupts. A periodic
// timer's handler (on the main thread) writes a counter that another thread
// reads with no synchronization: the race is reported, and the handler's
// access (a write with gcc, a read-write with clang) is shown "by interrupt in task N" with a stack that ends at the
// handler (the interrupted code below it is not shown). The program also
// checks that sigaction() reports its own handler back, not the runtime's
// trampoline.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread -lrt && %run %t
// OPTIONS: skip_watch=50
// EXPECT: {{^}}BUG: KCSAN: data-race in on_timer / reader{{$}}
// EXPECT: {{^}}{{(write|read-write)}} to 0x{{[0-9a-f]+}} of 8 bytes by interrupt in task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} on_timer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}signal_handler_race.c:[[write]]{{$}}
// EXPECT: {{^}}{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}signal_handler_race.c:[[read]]{{$}}
// NEVER: trampoline
// STDOUT: signal_handler_race: own handler reported back
// STDOUT: signal_handler_race: done

#include <signal.h>
#include <string.h>

#include "scenario.h"

static long ticks;
static int64_t budget_ms;
static volatile long sink;
static volatile sig_atomic_t stop;

void on_timer(int sig)
{
	(void)sig;
	ticks++; // [[@write]]
}

void *reader(void *arg)
{
	long sum = 0;
	(void)arg;
	while (!stop) {
		sum += ticks; // [[@read]]
		barrier();
	}
	sink = sum;
	return NULL;
}

int main(void)
{
	struct sigaction sa, old;
	struct sigevent sev;
	struct itimerspec its = { { 0, 200000 }, { 0, 200000 } };
	timer_t timer;
	pthread_t t;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_timer;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) || sigaction(SIGALRM, NULL, &old))
		return 1;
	if (old.sa_handler == on_timer && !(old.sa_flags & SA_SIGINFO))
		printf("signal_handler_race: own handler reported back\n");

	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t, reader, NULL);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_settime(timer, 0, &its, NULL))
		return 1;
	int64_t end = scenario_now_ms() + budget_ms;
	while (scenario_now_ms() < end)
		;
	timer_delete(timer);
	stop = 1;
	pthread_join(t, NULL);
	printf("signal_handler_race: done\n");
	return 0;
}
