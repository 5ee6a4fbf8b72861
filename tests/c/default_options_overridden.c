// SPDX-License-Identifier: MIT OR Apache-2.0
// default_options_overridden.c - KCSAN_OPTIONS overrides
// __kcsan_default_options() option by option (built-in defaults, then the
// program's defaults, then KCSAN_OPTIONS): default_options.c run with
// KCSAN_OPTIONS=assume_plain_writes_atomic=1. Its write/write race is
// silent again, while the program's other default (print_stats=1) still
// applies.
//
// This file is only the test's header: the program is default_options.c.
//
// RUN: %kcsan_cc -O2 -g %S/default_options.c -o %t -pthread && %run %t
// OPTIONS: assume_plain_writes_atomic=1
// RUNS: 2
// STDERR: {{^}}kcsan: statistics for pid {{[0-9]+}}:
// STDOUT: default_options: done
// NEVER: BUG: KCSAN
// NEVER: kcsan: error
// NEVER: {{^data_races: [1-9]}}
