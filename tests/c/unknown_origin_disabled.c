// SPDX-License-Identifier: MIT OR Apache-2.0
// unknown_origin_disabled.c - unknown_origin.c with
// report_race_unknown_origin=0 (CONFIG_KCSAN_REPORT_RACE_UNKNOWN_ORIGIN=n):
// the watcher still sees the value change (races_unknown_origin counts it)
// but nothing is reported.
//
// This file is only the test's header: the program is unknown_origin.c.
//
// RUN: %kcsan_cc -O2 -g %S/unknown_origin.c -o %t -pthread && %run %t
// OPTIONS: report_race_unknown_origin=0:print_stats=1
// RUNS: 2
// STDOUT: unknown_origin: done
// STDERR: kcsan: statistics for pid
// STDERR: races_unknown_origin: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN
// NEVER: unknown origin,
// NEVER: {{^data_races: [1-9]}}
