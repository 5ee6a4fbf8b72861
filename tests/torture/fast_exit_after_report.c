// SPDX-License-Identifier: MIT OR Apache-2.0
// fast_exit_after_report.c - a process that reported and then leaves by
// `_exit`, `_Exit` or `quick_exit` (none of which runs `exit`'s handlers)
// still prints its closing line and ends with the runtime's exitcode, so a
// test runner sees the failure. A forked child races and leaves the fast
// way (the usual shape of a fork-based test); the parent, which reported
// nothing, reaps it and prints its status; once for each way out. A child
// that did not report keeps its own status, and the parent's stays 0.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// REPORT-FROM: child
// EXPECT: {{^}}BUG: KCSAN: data-race in child_reader / child_writer{{$}}
// STDOUT: {{^}}_exit: quiet child exited with status 7{{$}}
// STDOUT: {{^}}_exit: racing child exited with status 66{{$}}
// STDOUT: {{^}}_Exit: quiet child exited with status 7{{$}}
// STDOUT: {{^}}_Exit: racing child exited with status 66{{$}}
// STDOUT: {{^}}quick_exit: quiet child exited with status 7{{$}}
// STDOUT: {{^}}quick_exit: racing child exited with status 66{{$}}
// STDERR: {{^}}kcsan: reported {{[0-9]+}} race
// EXIT: 0

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../c/scenario.h"

static long shared;
static volatile long sink;

SCENARIO_BODY void child_writer(long i)
{
	shared = i;
}

SCENARIO_BODY void child_reader(long i)
{
	(void)i;
	sink = shared;
}

static void leave(const char *how, int status)
{
	if (!strcmp(how, "_Exit"))
		_Exit(status);
	if (!strcmp(how, "quick_exit"))
		quick_exit(status);
	_exit(status);
}

static int reap(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	static const char *const ways[] = { "_exit", "_Exit", "quick_exit" };
	setvbuf(stdout, NULL, _IONBF, 0);

	for (int w = 0; w < 3; w++) {
		const char *how = ways[w];
		pid_t quiet = fork();
		if (quiet == 0)
			leave(how, 7);
		printf("%s: quiet child exited with status %d\n", how, reap(quiet));

		pid_t racing = fork();
		if (racing == 0) {
			scenario_run_pair("child", child_writer, child_reader);
			leave(how, 0);
		}
		printf("%s: racing child exited with status %d\n", how, reap(racing));
	}
	return 0;
}
