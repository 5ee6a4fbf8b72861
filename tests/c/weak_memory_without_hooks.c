// SPDX-License-Identifier: MIT OR Apache-2.0
// weak_memory_without_hooks.c - weak_memory=1 on a program built without
// KCSAN_WEAK_MEMORY=1 (no function entry/exit hooks): a pending access would
// never end with its function, so every barrier hidden in a library call
// would look missing. The model stays off, one warning line says why, and
// nothing is reported as reordered. (The program is
// weak_memory_missing_release.c with its bug fixed.)
//
// RUN: %kcsan_cc -DFIXED -O2 -g %S/weak_memory_missing_release.c -o %t -pthread && %run %t
// OPTIONS: strict=1:weak_memory=1
// STDERR: {{^}}kcsan: warning: weak_memory=1 is not in effect: the program was built without function entry/exit hooks (build it with KCSAN_WEAK_MEMORY=1){{$}}
// STDOUT: weak_memory_release_silent: done
// NEVER: reordered
// NEVER: BUG: KCSAN
