// SPDX-License-Identifier: MIT OR Apache-2.0
// weak_memory_release_silent.c - weak_memory_missing_release.c with the
// unlock fixed: smp_store_release() orders the critical section's writes
// before it, so nothing is pending past the unlock and nothing is reported
// (kcsan_test's test_correct_barrier).
//
// RUN: KCSAN_WEAK_MEMORY=1 %kcsan_cc -DFIXED -O2 -g %S/weak_memory_missing_release.c -o %t -pthread && %run %t
// OPTIONS: strict=1:weak_memory=1
// STDOUT: weak_memory_release_silent: done
// NEVER: KCSAN
