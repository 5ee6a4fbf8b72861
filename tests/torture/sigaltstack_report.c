// SPDX-License-Identifier: MIT OR Apache-2.0
// sigaltstack_report.c - a handler that runs on a small alternate signal
// stack (16 KiB, malloc'ed: an overflow would corrupt the heap, not just
// crash) races with another thread, so reports are made from the handler:
// the report path (symbolizer, demangler, formatting) must not run on that
// stack. The heap is checked after the storm (malloc/free of many sizes).
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:report_once_in_ms=0
// EXPECT: {{^}}BUG: KCSAN: data-race in {{(on_signal / writer|writer / on_signal)}}{{$}}
// STDOUT: sigaltstack_report: heap ok
// STDOUT: sigaltstack_report: done
// NEVER: malloc()
// NEVER: corruption

#include <signal.h>
#include <string.h>

#include "../c/scenario.h"

static long shared;
static volatile sig_atomic_t stop;
static volatile long sink;

void on_signal(int sig)
{
	(void)sig;
	for (int i = 0; i < 64; i++) {
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
	stack_t ss = { .ss_sp = malloc(16384), .ss_size = 16384, .ss_flags = 0 };
	struct sigaction sa;
	pthread_t t;

	if (!ss.ss_sp || sigaltstack(&ss, NULL))
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		return 1;
	scenario_spawn(&t, writer, NULL);
	int64_t end = scenario_now_ms() + scenario_budget_ms(400);
	while (scenario_now_ms() < end)
		raise(SIGUSR1);
	stop = 1;
	pthread_join(t, NULL);
	/* An overflow of the malloc'ed alternate stack would have trashed
	 * the chunks around it: exercise the heap. */
	for (int round = 0; round < 100; round++) {
		void *p[64];
		for (int i = 0; i < 64; i++)
			p[i] = malloc((size_t)(i * 37 + round) % 4000 + 1);
		for (int i = 0; i < 64; i++)
			free(p[i]);
	}
	free(ss.ss_sp);
	printf("sigaltstack_report: heap ok\n");
	printf("sigaltstack_report: done\n");
	return 0;
}
