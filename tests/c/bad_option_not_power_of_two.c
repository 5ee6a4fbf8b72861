// SPDX-License-Identifier: MIT OR Apache-2.0
// bad_option_not_power_of_two.c - an option value outside what it accepts:
// the watchpoint table is indexed by masking, so num_watchpoints must be a
// power of two. The runtime refuses 100 before main() runs, naming the
// option, the value and what it accepts, and exits with status 2.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: num_watchpoints=100
// EXIT: 2
// STDERR: {{^}}kcsan: error: invalid value '100' for option 'num_watchpoints': expected a power of two{{.*}}(in KCSAN_OPTIONS)
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
