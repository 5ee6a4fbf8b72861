// SPDX-License-Identifier: MIT OR Apache-2.0
// suppressions_malformed.c - a malformed suppressions file stops the program
// before main, with an error that names the file, the line and the problem.
//
// RUN: %kcsan_cc -O2 -g %S/suppressions.c -o %t -pthread && %run %t
// OPTIONS: suppressions=%S/suppressions_malformed.supp
// STDERR: {{^}}kcsan: error: suppressions file '{{.*}}suppressions_malformed.supp', line 2: unknown suppression type 'rac' (expected race, race_top or called_from_lib){{$}}
// NEVER: suppressions: done
// EXIT: 2
