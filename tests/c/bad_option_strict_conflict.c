// SPDX-License-Identifier: MIT OR Apache-2.0
// bad_option_strict_conflict.c - contradictory options: strict=1
// (CONFIG_KCSAN_STRICT) forces assume_plain_writes_atomic off, so asking
// for both is an error, not a silent choice. The runtime names the option
// and the conflict before main() runs and exits with status 2.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: strict=1:assume_plain_writes_atomic=1
// EXIT: 2
// STDERR: {{^}}kcsan: error: option 'assume_plain_writes_atomic': =1 contradicts strict=1
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
