// SPDX-License-Identifier: MIT OR Apache-2.0
// report_hook.c - kcsan_set_report_hook(): a program receives reports as
// values instead of text. The hook checks the write/read race of
// write_read_race.c field by field (title, both accesses' descriptions,
// sizes, top functions, files and lines, the value change, the rendered
// text) and consumes it: nothing is printed and, as nothing was counted, the
// process keeps its own exit status. report_hook_print.c runs the same
// program with a hook that lets the runtime print.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// STDOUT: {{^}}report_hook: done{{$}}
// STDOUT: {{^}}hook: title: data-race in reader / writer{{$}}
// STDOUT: {{^}}hook: other: write of 8 bytes in writer at report_hook.c:[[write]]{{$}}
// STDOUT: {{^}}hook: this: read of 8 bytes in reader at report_hook.c:[[read]]{{$}}
// STDOUT: {{^}}hook: same address: yes; value changed: yes; text has the title: yes{{$}}
// NEVER: BUG: KCSAN
// NEVER: kcsan: reported
// EXIT: 0

#include <kcsan.h>
#include <string.h>

#include "scenario.h"

/* Not static: clang shrinks a static that only ever holds two values to a bool. */
long shared;
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	shared = i; // [[@write]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared; // [[@read]]
}

/* What the hook saw: written by the hook, read by main after the joins. */
static char seen[4][256];
static int nseen;

static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void describe(char *out, size_t n, const char *side, const struct kcsan_report_access *a)
{
	const struct kcsan_report_frame *top = a->nframes ? &a->frames[0] : NULL;
	snprintf(out, n, "hook: %s: %s of %zu bytes in %s at %s:%d", side, a->description, a->size,
		 top ? top->function : "?", top ? base(top->file) : "?", top ? top->line : 0);
}

static int hook(const struct kcsan_report *r, void *arg)
{
	int print = *(const int *)arg;
	if (nseen == 0 && r->other) {
		snprintf(seen[0], sizeof(seen[0]), "hook: title: %s", r->title);
		describe(seen[1], sizeof(seen[1]), "other", r->other);
		describe(seen[2], sizeof(seen[2]), "this", &r->this_access);
		snprintf(seen[3], sizeof(seen[3]),
			 "hook: same address: %s; value changed: %s; text has the title: %s",
			 r->other->addr == r->this_access.addr ? "yes" : "no",
			 r->value_changed && r->old_value != r->new_value ? "yes" : "no",
			 strstr(r->text, r->title) ? "yes" : "no");
		nseen = 1;
	}
	return print ? KCSAN_REPORT_PRINT : KCSAN_REPORT_CONSUMED;
}

int main(int argc, char **argv)
{
	static int print;
	print = argc > 1 && strcmp(argv[1], "print") == 0;
	kcsan_set_report_hook(hook, &print);
	scenario_run_pair("report_hook", writer, reader);
	for (int i = 0; i < 4 && nseen; i++)
		printf("%s\n", seen[i]);
	return 0;
}
