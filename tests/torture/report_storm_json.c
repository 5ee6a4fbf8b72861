// SPDX-License-Identifier: MIT OR Apache-2.0
// report_storm_json.c - report_storm.c with report_format=json: every line
// of stderr must be one JSON object (never two reports on a line, never a
// plain-text line in the stream), and the summary's count must equal the
// race objects (the harness checks both in every run).
//
// RUN: %kcsan_cc -O2 -g %S/report_storm.c -o %t -pthread && %run %t
// OPTIONS: skip_watch=50:report_once_in_ms=0:report_format=json
// STDERR: {{^}}{"type":"summary","data":{"reported":{{[0-9][0-9]+}},{{.*}}
// STDOUT: report_storm: done
// NEVER: BUG: KCSAN
// EXIT: 66
// TIMEOUT: 60
