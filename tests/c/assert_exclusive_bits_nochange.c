// SPDX-License-Identifier: MIT OR Apache-2.0
// assert_exclusive_bits_nochange.c - the legal case of ASSERT_EXCLUSIVE_BITS:
// another thread flips a bit OUTSIDE the asserted mask. The watched word
// changes, but not in the owned bits: never a report (kcsan_test's
// test_assert_exclusive_bits_nochange). Aggressive sampling; the statistics
// prove the assertion really watched.
//
// This file is only the test's header: the program is
// assert_exclusive_bits_change.c, built with FLIPPED_BIT outside the mask.
//
// RUN: %kcsan_cc -O2 -g -DFLIPPED_BIT=0x1UL %S/assert_exclusive_bits_change.c -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:print_stats=1
// RUNS: 2
// STDOUT: assert_exclusive_bits_change: done
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN
