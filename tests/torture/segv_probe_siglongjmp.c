// SPDX-License-Identifier: MIT OR Apache-2.0
// segv_probe_siglongjmp.c - a program that probes memory on purpose: an
// instrumented read of a PROT_NONE page faults, and the SIGSEGV handler
// leaves with siglongjmp (a garbage collector's stack probe does this). With
// every access watched (skip_watch=1), the fault happens while kcsan
// watches the read. Afterwards nothing may be left behind: no watchpoint in
// the table (used_watchpoints: 0 at exit), asynchronous signals still
// delivered (after a last probe with sigsetjmp(jb, 0), which restores no
// mask), and a later real race still reported.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=1:first_watches=0:print_stats=1:report_once_in_ms=0
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// STDOUT: {{^}}probes: 2000 faults{{$}}
// STDOUT: {{^}}alarm delivered{{$}}
// STDERR: {{^}}used_watchpoints: 0{{$}}

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../c/scenario.h"

static sigjmp_buf jb;
static volatile sig_atomic_t alarmed;
static long shared;
static volatile long sink;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(jb, 1);
}

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* A plain read (a volatile one is marked, and never watched). */
__attribute__((noinline, used)) long probe(const char *p)
{
	return *p; /* faults: p is PROT_NONE */
}

SCENARIO_BODY void writer(long i)
{
	shared = i;
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	signal(SIGSEGV, on_segv);
	int faults = 0;
	for (int i = 0; i < 2000; i++) {
		if (sigsetjmp(jb, 1) == 0)
			sink = probe(page + (i % 64));
		else
			faults++;
	}
	printf("probes: %d faults\n", faults);
	/* Once more without saving the mask: the handler's mask (SIGSEGV)
	 * stays, as the program asked; nothing kcsan blocked may stay. */
	if (sigsetjmp(jb, 0) == 0)
		sink = probe(page);

	signal(SIGALRM, on_alarm);
	alarm(1);
	for (int i = 0; i < 300 && !alarmed; i++)
		usleep(10000);
	printf(alarmed ? "alarm delivered\n" : "alarm NOT delivered\n");

	return scenario_run_pair("segv_probe_siglongjmp", writer, reader);
}
