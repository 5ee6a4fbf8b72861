// SPDX-License-Identifier: MIT OR Apache-2.0
// write_write_reported.c - the same two plain writers as
// write_write_silent_kernel_preset.c (examples/c/datarace.c), with kcsan's
// default options: the user preset does not assume plain writes atomic
// (assume_plain_writes_atomic=0), so a plain write sets up watchpoints too
// and the write/write race is reported, as the book shows.
//
// This file is only the test's header: the program is the shipped example.
//
// RUN: %kcsan_cc -O2 -g %S/../../examples/c/datarace.c -o %t -pthread && %run %t
// ARGS: --race=2plain_w
// EXPECT: {{^}}BUG: KCSAN: data-race in do_the_work1 / do_the_work2{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} do_the_work{{[12]}}+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}datarace.c:{{[0-9]+}}{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} do_the_work{{[12]}}+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}datarace.c:{{[0-9]+}}{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// NEVER: read to 0x
