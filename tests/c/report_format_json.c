// SPDX-License-Identifier: MIT OR Apache-2.0
// report_format_json.c - report_format=json: each report is one JSON line
// (schema in GUIDE.md), and so are the closing summary and the statistics.
// The program is write_read_race.c.
//
// RUN: %kcsan_cc -O2 -g %S/write_read_race.c -o %t -pthread && %run %t
// OPTIONS: report_format=json:print_stats=1
// STDERR: {{^}}{"type":"race","data":{"title":"data-race in reader / writer","bug_type":"data-race","summary":"SUMMARY: KCSAN: data-race {{.*}}write_read_race.c:{{[0-9]+}} in writer","accesses":[{"role":"other","kind":"write","marked":false{{.*}}"stack":[{"function":"writer",{{.*}}{"role":"this","kind":"read",{{.*}}"value_change":{"old":"0x{{[0-9a-f]+}}","new":"0x{{[0-9a-f]+}}"}{{.*}}}}{{$}}
// STDERR: {{^}}{"type":"summary","data":{"reported":{{[1-9][0-9]*}},"unique":{{[1-9][0-9]*}},"pid":{{[0-9]+}}}}{{$}}
// STDERR: {{^}}{"type":"stats","data":{"pid":{{[0-9]+}},"enabled":true,"used_watchpoints":0,{{.*}}}}{{$}}
// NEVER: BUG: KCSAN
// EXIT: 66
