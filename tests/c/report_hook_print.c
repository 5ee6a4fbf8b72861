// SPDX-License-Identifier: MIT OR Apache-2.0
// report_hook_print.c - a report hook that returns KCSAN_REPORT_PRINT sees
// the report and the runtime still prints and counts it (exit status 66).
//
// This file is only the test's header: the program is report_hook.c.
//
// RUN: %kcsan_cc -O2 -g %S/report_hook.c -o %t -pthread && %run %t print
// STDOUT: {{^}}hook: title: data-race in reader / writer{{$}}
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// STDERR: {{^}}kcsan: reported {{[0-9]+}} race
