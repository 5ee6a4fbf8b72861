// SPDX-License-Identifier: MIT OR Apache-2.0
// help_option.c - KCSAN_OPTIONS=help=1 prints the option table (every
// option with the value in force) to stderr when the runtime starts, and the
// program then runs normally. Under preset=kernel the values in force are
// the kernel's Kconfig defaults.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: preset=kernel:help=1
// STDERR: {{^}}KCSAN_OPTIONS (name=value, separated by ':'):
// STDERR: {{^}}  early_enable=1 {{.*}}kernel: kcsan.early_enable)
// STDERR: {{^}}  skip_watch=4000 {{.*}}kernel: CONFIG_KCSAN_SKIP_WATCH)
// STDERR: {{^}}  udelay_task=80 {{.*}}kernel: CONFIG_KCSAN_UDELAY_TASK)
// STDERR: {{^}}  first_watches=0 {{.*}}
// STDERR: {{^}}  num_watchpoints=64 {{.*}}kernel: CONFIG_KCSAN_NUM_WATCHPOINTS)
// STDERR: {{^}}  report_once_in_ms=3000 {{.*}}kernel: CONFIG_KCSAN_REPORT_ONCE_IN_MS)
// STDERR: {{^}}  assume_plain_writes_atomic=1 {{.*}}kernel: CONFIG_KCSAN_ASSUME_PLAIN_WRITES_ATOMIC)
// STDERR: {{^}}  strict=0 {{.*}}kernel: CONFIG_KCSAN_STRICT)
// STDERR: {{^}}  log_path= {{.*}}
// STDERR: {{^}}  help=1 {{.*}}
// STDOUT: {{^}}main: started{{$}}
// STDOUT: {{^}}main: done 1{{$}}
// NEVER: kcsan: error
// NEVER: BUG: KCSAN

#include <stdio.h>

static long counter;

int main(void)
{
	printf("main: started\n");
	counter++;
	printf("main: done %ld\n", counter);
	return 0;
}
