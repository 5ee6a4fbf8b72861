// SPDX-License-Identifier: MIT OR Apache-2.0
// signal_same_thread_silent.c - a thread racing with its own signal handler,
// with the default interrupt_watcher=0: signals are blocked while the thread
// watches (the kernel disables interrupts), so the handler can neither hit
// the watchpoint nor change the value under it, and nothing is reported
// although the thread really watched. The same program with
// interrupt_watcher=1 reports the race.
//
// This file is only the test's header: the program is
// signal_same_thread_interrupt_watcher.c.
//
// RUN: %kcsan_cc -O2 -g %S/signal_same_thread_interrupt_watcher.c -o %t -lrt && %run %t
// OPTIONS: skip_watch=20:print_stats=1
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN
