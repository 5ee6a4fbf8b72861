// SPDX-License-Identifier: MIT OR Apache-2.0
// bad_suppressions_device.c - a suppressions file that is not a regular file
// (here /dev/zero, which would never end; a FIFO would block the open) is
// refused before main() runs with one clear line and exit status 2, at
// once: the program is never held up reading it.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: suppressions=/dev/zero
// EXIT: 2
// TIMEOUT: 10
// STDERR: {{^}}kcsan: error: suppressions file '/dev/zero': not a regular file{{$}}
// NEVER: main: started

#include <stdio.h>

int main(void)
{
	printf("main: started\n");
	return 0;
}
