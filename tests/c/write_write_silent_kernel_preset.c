// SPDX-License-Identifier: MIT OR Apache-2.0
// write_write_silent_kernel_preset.c - the book's point about plain writes:
// two threads hammering one variable with plain writes only
// (examples/c/datarace.c, the kcsan_datarace module's race_2plain_w) are NOT
// reported with the kernel's default options (preset=kernel), because aligned
// plain writes of up to word size are assumed atomic
// (assume_plain_writes_atomic=1, as CONFIG_KCSAN_ASSUME_PLAIN_WRITES_ATOMIC=y):
// they never set up a watchpoint. The statistics show the runtime was live:
// the workers' plain reads of gctx / gctx->y did set up watchpoints.
// write_write_reported.c is the other half: the same program with kcsan's
// own defaults, which report every data race.
//
// This file is only the test's header: the program is the shipped example.
//
// RUN: %kcsan_cc -O2 -g %S/../../examples/c/datarace.c -o %t -pthread && %run %t
// ARGS: --race=2plain_w
// OPTIONS: preset=kernel:print_stats=1
// RUNS: 3
// STDOUT: datarace: 2 plain writes
// STDERR: kcsan: statistics for pid
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: {{^data_races: [1-9]}}
// NEVER: BUG: KCSAN
