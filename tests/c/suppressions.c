// SPDX-License-Identifier: MIT OR Apache-2.0
// suppressions.c - a suppressions file (suppressions.supp, ThreadSanitizer's
// syntax) silences a race judged benign: the race on the statistics counter
// is not reported, the process keeps its own exit status, and
// print_suppressions lists the rule that matched. The same program without
// the file reports the race (suppressions_off below checks the rule really
// had something to suppress).
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: suppressions=%S/suppressions.supp:print_suppressions=1:print_stats=1:skip_watch=100
// STDERR: {{^}}kcsan: suppressions used (count type:pattern):{{$}}
// STDERR: {{^}}kcsan:   {{[1-9][0-9]*}} race_top:^bump_stats${{$}}
// STDERR: {{^}}data_races: {{[1-9][0-9]*}}{{$}}
// NEVER: BUG: KCSAN
// NEVER: no_such_function
// STDOUT: suppressions: done

#include "scenario.h"

long nr_events;
static volatile long sink;

SCENARIO_BODY void bump_stats(long i)
{
	nr_events = i;
}

SCENARIO_BODY void read_stats(long i)
{
	(void)i;
	sink = nr_events;
}

int main(void)
{
	return scenario_run_pair("suppressions", bump_stats, read_stats);
}
