// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * cputime.c - run a command and report the CPU time and peak RSS it used.
 *
 * usage: cputime [-o FILE] [--] command [args...]
 *
 * fork/execs the command (stdin/stdout/stderr inherited), reaps it with
 * wait4() and prints ONE line, to FILE (appended) or else to stderr:
 *
 *   cpu_us=N user_us=N sys_us=N maxrss_kib=N wall_us=N status=N
 *
 * cpu_us is user+sys from the child's rusage: on this 2-vCPU VM wall time
 * flips between ~1x and ~0.5x CPU time depending on whether the hypervisor
 * runs both vCPUs at once, so CPU time is the metric the benchmarks use.
 * status is the exit code, or 128+signal. cputime exits with the same status.
 *
 * Built without instrumentation by bench/run.sh and bench/detect.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long tv_us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void usage(void)
{
	fprintf(stderr, "usage: cputime [-o FILE] [--] command [args...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *out_path = NULL;
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out_path = argv[i + 1];
			i += 2;
		} else {
			usage();
		}
	}
	if (i >= argc)
		usage();

	long long t0 = now_us();
	pid_t pid = fork();
	if (pid < 0) {
		perror("cputime: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[i], &argv[i]);
		fprintf(stderr, "cputime: cannot run %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}

	int wstatus;
	struct rusage ru;
	while (wait4(pid, &wstatus, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("cputime: wait4");
			return 127;
		}
	}
	long long wall = now_us() - t0;
	int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);

	FILE *out = stderr;
	if (out_path) {
		out = fopen(out_path, "a");
		if (!out) {
			fprintf(stderr, "cputime: cannot open %s: %s\n", out_path, strerror(errno));
			return 127;
		}
	}
	fprintf(out, "cpu_us=%lld user_us=%lld sys_us=%lld maxrss_kib=%ld wall_us=%lld status=%d\n",
		tv_us(ru.ru_utime) + tv_us(ru.ru_stime), tv_us(ru.ru_utime), tv_us(ru.ru_stime),
		ru.ru_maxrss, wall, status);
	if (out != stderr)
		fclose(out);
	return status;
}
