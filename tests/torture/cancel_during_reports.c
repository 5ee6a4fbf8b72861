// SPDX-License-Identifier: MIT OR Apache-2.0
// cancel_during_reports.c - threads that race (and so watch, stall and
// report) are cancelled, with deferred cancellation, while they make their
// process's first reports: the runtime's stalls and its report path (open()
// and read() of the executable in the symbolizer) are cancellation points
// in the C library. A cancel acted on there would unwind the thread out of
// a watch or a report (a leaked watchpoint, or the report lock held
// forever: every other thread then spins). Each round runs in a fresh
// child, so every round's first report symbolizes from scratch; the parent
// checks that every child ended (its reports make it exit 66) and then
// races itself, so the harness sees one report from the parent too.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=10:report_once_in_ms=0
// EXPECT: {{^}}BUG: KCSAN: data-race in {{(late_write / late_read|late_read / late_write)}}{{$}}
// REPORT-FROM: parent
// STDOUT: cancel_during_reports: {{[0-9]+}} rounds, every child ended
// STDOUT: cancel_during_reports: done
// TIMEOUT: 60

#include <sys/wait.h>
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
	for (long i = 0;; i++) {
		race_step(i);
		if ((i & 0xffff) == 0)
			pthread_testcancel();
	}
	return NULL;
}

static void round_in_child(int round)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		scenario_spawn(&t[i], racer, NULL);
	usleep(200 + (round % 10) * 300);
	for (int i = 0; i < 4; i++)
		pthread_cancel(t[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
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
	int64_t end = scenario_now_ms() + scenario_budget_ms(3000);
	int rounds = 0;

	while (scenario_now_ms() < end) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			alarm(20); /* a hung child dies, and the parent says so */
			round_in_child(rounds);
			_exit(0);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid)
			return 1;
		if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 66)) {
			printf("cancel_during_reports: round %d: child status %#x\n", rounds, status);
			return 1;
		}
		rounds++;
	}
	printf("cancel_during_reports: %d rounds, every child ended\n", rounds);
	scenario_run_pair("cancel_during_reports", late_write, late_read);
	return 0;
}
