// SPDX-License-Identifier: MIT OR Apache-2.0
// report_storm_halt.c - report_storm.c (64 threads, 32 racing pairs) with
// halt_on_error=1 and report_format=json: exactly one report however many
// threads race to report at once, then the halting line and the summary,
// each a JSON object (the harness checks every line parses and that the
// summary's count, 1, equals the race objects).
//
// RUN: %kcsan_cc -O2 -g %S/report_storm.c -o %t -pthread && %run %t
// OPTIONS: skip_watch=50:report_once_in_ms=0:report_format=json:halt_on_error=1
// STDERR: {{^}}{"type":"race",{{.*}}
// STDERR: {{^}}{"type":"halt","data":{"reason":"halt_on_error"}}{{$}}
// STDERR: {{^}}{"type":"summary","data":{"reported":1,"unique":1,{{.*}}
// NEVER: report_storm: done
// EXIT: 66
// RUNS: 3
// TIMEOUT: 60
