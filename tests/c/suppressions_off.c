// SPDX-License-Identifier: MIT OR Apache-2.0
// suppressions_off.c - suppressions.c without its suppressions file: the race
// the file silences is real and is reported (so suppressions.c's silence
// proves the rule worked, not that there was nothing to see).
//
// RUN: %kcsan_cc -O2 -g %S/suppressions.c -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in bump_stats / read_stats{{$}}
