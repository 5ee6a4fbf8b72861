// SPDX-License-Identifier: MIT OR Apache-2.0
// focus_unknown_name.c - a focus list naming a function the program does
// not have, and one it never calls: not an error, the program runs, and the
// exit summary says which names had no effect and why. The name the program
// has and calls is not mentioned.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: focus_functions='no_such_function;never_called;work'
// STDERR: {{^}}kcsan: focus: no function named 'no_such_function' in the program
// STDERR: {{^}}kcsan: focus: 'never_called' was never entered (no access of it was seen){{$}}
// NEVER: 'work'
// NEVER: BUG: KCSAN
// STDOUT: focus_unknown_name: done

#include "scenario.h"

static long table[16];

SCENARIO_BODY long never_called(long i)
{
	return table[i & 15];
}

SCENARIO_BODY long work(long i)
{
	return table[i & 15] + 1;
}

int main(int argc, char **argv)
{
	(void)argv;
	table[argc & 15] = argc;
	long sum = 0;
	for (long i = 0; i < 1000; i++)
		sum += work(i);
	if (argc > 5)
		sum += never_called(sum);
	printf("focus_unknown_name: done\n");
	return sum == 0;
}
