// SPDX-License-Identifier: MIT OR Apache-2.0
// bad_suppressions_fifo.c - a suppressions file that is a FIFO nobody
// writes to: opening it for reading would block forever before main().
// It is refused at once with one clear line and exit status 2.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && rm -f %T/fifo && mkfifo %T/fifo && %run %t
// OPTIONS: suppressions=%T/fifo
// EXIT: 2
// TIMEOUT: 10
// STDERR: {{^}}kcsan: error: suppressions file '{{.*}}/fifo': not a regular file{{$}}
// NEVER: main: started

#include <stdio.h>

int main(void)
{
	printf("main: started\n");
	return 0;
}
