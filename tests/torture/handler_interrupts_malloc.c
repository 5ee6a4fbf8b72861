// SPDX-License-Identifier: MIT OR Apache-2.0
// handler_interrupts_malloc.c - the main thread spends its time in malloc
// and free; a timer's handler on it races with another thread, so reports
// are made from a handler that interrupted malloc, with the heap's lock
// held by the interrupted frame. The report path must not need that lock
// (the process would hang with every thread spinning), and the heap must
// be intact afterwards.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread -lrt && %run %t
// OPTIONS: skip_watch=5:report_once_in_ms=0
// EXPECT: {{^}}BUG: KCSAN: data-race in {{(on_timer / writer|writer / on_timer)}}{{$}}
// STDOUT: handler_interrupts_malloc: done
// NEVER: malloc()
// NEVER: corruption
// TIMEOUT: 30

#include <signal.h>
#include <string.h>

#include "../c/scenario.h"

static long shared;
static volatile sig_atomic_t stop;
static volatile long sink;

void on_timer(int sig)
{
	(void)sig;
	for (int i = 0; i < 16; i++) {
		sink = shared;
		barrier();
	}
}

void *writer(void *arg)
{
	(void)arg;
	for (long i = 0; !stop; i++) {
		shared = i;
		barrier();
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its = { { 0, 100000 }, { 0, 100000 } };
	timer_t timer;
	pthread_t t;
	void *slots[256] = { 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_timer;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		return 1;
	scenario_spawn(&t, writer, NULL);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_settime(timer, 0, &its, NULL))
		return 1;
	int64_t end = scenario_now_ms() + scenario_budget_ms(800);
	for (unsigned long i = 0; scenario_now_ms() < end; i++) {
		for (int k = 0; k < 64; k++) {
			unsigned j = (unsigned)(i * 64 + k) * 2654435761u % 256;
			free(slots[j]);
			slots[j] = malloc((j * 97 + i) % 3000 + 1);
		}
	}
	timer_delete(timer);
	stop = 1;
	pthread_join(t, NULL);
	for (int j = 0; j < 256; j++)
		free(slots[j]);
	printf("handler_interrupts_malloc: done\n");
	return 0;
}
