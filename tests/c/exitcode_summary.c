// SPDX-License-Identifier: MIT OR Apache-2.0
// exitcode_summary.c - the sanitizers' CI conventions: each report ends with
// a SUMMARY line naming the first stack's top frame, the process closes with
// "kcsan: reported N races (M unique)", and a process that reported exits
// with `exitcode` (66 by default; 3 here) instead of its own status.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: exitcode=3
// EXPECT: {{^}}BUG: KCSAN: data-race in reader / writer{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}}SUMMARY: KCSAN: data-race {{.*}}exitcode_summary.c:[[write]] in writer{{$}}
// STDERR: {{^}}kcsan: reported {{[0-9]+}} race{{s?}} ({{[0-9]+}} unique){{$}}
// STDOUT: exitcode_summary: done
// EXIT: 3

#include "scenario.h"

long shared;
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	shared = i; // [[@write]]
}

SCENARIO_BODY void reader(long i)
{
	(void)i;
	sink = shared;
}

int main(void)
{
	return scenario_run_pair("exitcode_summary", writer, reader);
}
