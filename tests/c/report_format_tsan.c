// SPDX-License-Identifier: MIT OR Apache-2.0
// report_format_tsan.c - report_format=tsan: ThreadSanitizer's report shape,
// so harnesses that count "WARNING: ThreadSanitizer: data race" work
// unchanged. The program is write_read_race.c.
//
// RUN: %kcsan_cc -O2 -g %S/write_read_race.c -o %t -pthread && %run %t
// OPTIONS: report_format=tsan
// STDERR: {{^}}WARNING: ThreadSanitizer: data race (pid={{[0-9]+}}){{$}}
// STDERR: {{^}}  {{(Read|Write)}} of size 8 at 0x{{[0-9a-f]+}} by thread T{{[0-9]+}}:{{$}}
// STDERR: {{^}}    #0 {{(reader|writer)}}+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}write_read_race.c:{{[0-9]+}}{{$}}
// STDERR: {{^}}  Concurrent {{(Read|Write)}} of size 8 at 0x{{[0-9a-f]+}} by thread T{{[0-9]+}}:{{$}}
// STDERR: {{^}}  KCSAN: data-race in reader / writer{{$}}
// STDERR: {{^}}SUMMARY: ThreadSanitizer: data race {{.*}}write_read_race.c:{{[0-9]+}} in {{(reader|writer)}}{{$}}
// NEVER: BUG: KCSAN
// EXIT: 66
