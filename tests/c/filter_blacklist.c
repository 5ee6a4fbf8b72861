// SPDX-License-Identifier: MIT OR Apache-2.0
// filter_blacklist.c - the kernel's function filter list (debugfs `!func`),
// set at start: in blacklist mode (the default) a race whose top frames
// include a listed function is not reported (the race is still counted).
// The program is write_read_race.c, whose race is between reader and writer.
//
// RUN: %kcsan_cc -O2 -g %S/write_read_race.c -o %t -pthread && %run %t
// OPTIONS: filter_functions=writer:report_race_unknown_origin=0:print_stats=1
// STDERR: {{^}}data_races: {{[1-9][0-9]*}}{{$}}
// NEVER: BUG: KCSAN
