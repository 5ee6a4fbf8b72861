// SPDX-License-Identifier: MIT OR Apache-2.0
// stall_budget.c - a tight stall budget (max_stall_ratio=0.002: each thread
// may spend 0.2% of its time stalled) on write_read_race.c's dense racing
// loop. The budget engages (watchpoints are skipped and skip counts
// stretched: budget_skips or far fewer watchpoints), and the race is still
// found: watchpoints keep being set up everywhere, only less often.
//
// This file is only the test's header: the program is write_read_race.c.
//
// RUN: %kcsan_cc -O2 -g %S/write_read_race.c -o %t -pthread && %run %t
// OPTIONS: max_stall_ratio=0.002:print_stats=1
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// STDERR: {{^}}setup_watchpoints: {{[1-9][0-9]?[0-9]?}}{{$}}
// STDOUT: write_read_race: done
