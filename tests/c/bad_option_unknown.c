// SPDX-License-Identifier: MIT OR Apache-2.0
// bad_option_unknown.c - a misspelt option must not be ignored: the runtime
// refuses it when it initialises, before main() runs, with one "kcsan:
// error:" line naming the option and where it came from, and exit status 2
// (tsan's Die()). main's first printf must NOT appear.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: bogus=1
// EXIT: 2
// STDERR: {{^}}kcsan: error: unknown option 'bogus' (in KCSAN_OPTIONS)
// NEVER: main: started
// NEVER: BUG: KCSAN

#include <stdio.h>

static long counter;

int main(void)
{
	printf("main: started\n");
	fflush(stdout);
	counter++;
	printf("main: done %ld\n", counter);
	return 0;
}
