// SPDX-License-Identifier: MIT OR Apache-2.0
// filter_whitelist_partial.c - whitelist mode with only one of the two top
// functions listed: the race between reader and writer is not reported
// (though counted). Races of unknown origin have one top frame, reader's,
// which is listed, so those may still be reported.
//
// RUN: %kcsan_cc -O2 -g %S/write_read_race.c -o %t -pthread && %run %t
// OPTIONS: filter_mode=whitelist:filter_functions=reader:print_stats=1
// STDERR: {{^}}data_races: {{[1-9][0-9]*}}{{$}}
// NEVER: BUG: KCSAN: data-race in reader / writer
