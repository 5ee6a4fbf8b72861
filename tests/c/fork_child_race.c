// SPDX-License-Identifier: MIT OR Apache-2.0
// fork_child_race.c - fork() while other threads are busy in the runtime.
// The parent's two background threads read a read-only table with very
// aggressive sampling and long stalls, so at any moment they are likely
// stalled inside a watchpoint. The main thread forks; in the child only the
// forking thread exists, and the runtime must forget the parent threads'
// watchpoints (and any lock they held). The child then runs a racing
// writer/reader pair, which must be reported by the child itself: with
// log_path every process writes its own <log_path>.<pid> file, so the
// report has to be in the child's file. The parent keeps working meanwhile,
// then reaps the child (exit status 66, the runtime's exitcode for a
// process that reported) and finishes normally.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: log_path=%T/kcsan:skip_watch=20:udelay_task=1000
// TIMEOUT: 30
// REPORT-FROM: child
// EXPECT: {{^}}BUG: KCSAN: data-race in child_reader / child_writer{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} child_writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}fork_child_race.c:[[write]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} child_reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}fork_child_race.c:[[read]]{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// STDOUT: child: done
// STDOUT: parent: child exited with status 66
// STDOUT: parent: done
// NEVER: background

#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"

static long shared;
static int stop_background;
static int64_t budget_ms;
static volatile long sink;

static void *background(void *arg)
{
	long sum = 0;
	(void)arg;
	for (long i = 0; !__atomic_load_n(&stop_background, __ATOMIC_RELAXED); i++) {
		sum += scenario_table[i & 63]; /* plain reads: watched, never racy */
		barrier();
	}
	sink = sum;
	return NULL;
}

void *child_writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		shared = i; // [[@write]]
		barrier();
	}
	return NULL;
}

void *child_reader(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		sum += shared; // [[@read]]
		barrier();
	}
	sink = sum;
	return NULL;
}

static int child_main(void)
{
	pthread_t t[2];

	scenario_spawn(&t[0], child_writer, NULL);
	scenario_spawn(&t[1], child_reader, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("child: done\n");
	fflush(stdout);
	return 0;
}

int main(void)
{
	pthread_t bg[2];
	int status;
	pid_t pid;

	setvbuf(stdout, NULL, _IONBF, 0);
	budget_ms = scenario_budget_ms(300);
	scenario_table_init();
	for (int i = 0; i < 2; i++)
		scenario_spawn(&bg[i], background, NULL);
	/* Let the background threads get going (and into watchpoints). */
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		exit(child_main());

	/* The parent keeps its threads busy while the child runs. */
	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return 1;
	}
	printf("parent: child exited with status %d\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	__atomic_store_n(&stop_background, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(bg[i], NULL);
	printf("parent: done\n");
	return 0;
}
