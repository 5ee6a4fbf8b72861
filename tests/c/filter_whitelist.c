// SPDX-License-Identifier: MIT OR Apache-2.0
// filter_whitelist.c - whitelist mode keeps only races whose top frames are
// all listed: reader and writer are, so their race is reported.
// filter_whitelist_partial.c lists only one of them.
//
// RUN: %kcsan_cc -O2 -g %S/write_read_race.c -o %t -pthread && %run %t
// OPTIONS: filter_mode=whitelist:filter_functions='reader;writer'
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
