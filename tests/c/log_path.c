// SPDX-License-Identifier: MIT OR Apache-2.0
// log_path.c - with log_path=P, reports go to the file P.<pid> (one file per
// process, like the sanitizers' log_path) and not to stderr. The harness
// reads P.* for the EXPECT lines, and fails the run if a report shows up on
// stderr or in a file whose pid is not the report's PID.
//
// This file is only the test's header: the program is write_read_race.c.
//
// RUN: %kcsan_cc -O2 -g %S/write_read_race.c -o %t -pthread && %run %t
// OPTIONS: log_path=%T/kcsan-log
// REPORT-FROM: parent
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}write_read_race.c:{{[0-9]+}}{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}write_read_race.c:{{[0-9]+}}{{$}}
// STDOUT: write_read_race: done
// NEVER: {{^}}kcsan: cannot open log file
