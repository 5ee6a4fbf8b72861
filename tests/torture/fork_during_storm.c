// SPDX-License-Identifier: MIT OR Apache-2.0
// fork_during_storm.c - while 8 threads race and report, the main thread
// forks (the child touches memory and leaves with _exit), vforks and execs
// /bin/true, and posix_spawns /bin/true, again and again. A child forked
// while another thread held the report lock, the runtime's heap lock or a
// watchpoint must still run and end normally; the parent's reports stay
// whole and counted.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:report_once_in_ms=0
// EXPECT: {{^}}BUG: KCSAN: data-race in {{(bump|peek) / (bump|peek)}}{{$}}
// STDOUT: fork_during_storm: {{[0-9]+}} children, all ended with 0
// STDOUT: fork_during_storm: done
// TIMEOUT: 60

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../c/scenario.h"

extern char **environ;

static long counter;
static volatile long sink;
static long child_data[64];

SCENARIO_BODY void bump(long i)
{
	counter = i;
}

SCENARIO_BODY void peek(long i)
{
	(void)i;
	sink = counter;
}

static int wait_ok(pid_t pid)
{
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

int main(void)
{
	int64_t ms = scenario_budget_ms(800);
	struct scenario_worker w[8];
	pthread_t t[8];
	long children = 0, bad = 0;

	for (int i = 0; i < 8; i++) {
		w[i].body = (i & 1) ? peek : bump;
		w[i].budget_ms = ms;
		scenario_spawn(&t[i], scenario_worker_main, &w[i]);
	}
	int64_t end = scenario_now_ms() + ms;
	while (scenario_now_ms() < end) {
		pid_t pid = fork();
		if (pid == 0) {
			alarm(20);
			for (int i = 0; i < 64; i++)
				child_data[i] = i;
			_exit(child_data[63] == 63 ? 0 : 1);
		}
		bad += !wait_ok(pid);
		pid = vfork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		bad += !wait_ok(pid);
		char *argv[] = { "true", NULL };
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0)
			bad += !wait_ok(pid);
		else
			bad++;
		children += 3;
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	if (bad)
		printf("fork_during_storm: %ld of %ld children failed\n", bad, children);
	else
		printf("fork_during_storm: %ld children, all ended with 0\n", children);
	printf("fork_during_storm: done\n");
	return 0;
}
