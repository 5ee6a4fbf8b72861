// SPDX-License-Identifier: MIT OR Apache-2.0
// data_race_annotated.c - data_race() marks accesses as intentionally racy
// (statistics, diagnostics): a writer and a reader that race on a plain
// counter, both sides wrapped in data_race(), are never reported, even with
// plain writes watched and aggressive sampling. The plain reads of a
// read-only table outside data_race() prove watchpoints were set up.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:assume_plain_writes_atomic=0:print_stats=1
// RUNS: 2
// STDOUT: data_race_annotated: done
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: {{^data_races: [1-9]}}
// NEVER: BUG: KCSAN
// NEVER: kcsan: warning

#include <kcsan.h>

#include "scenario.h"

long nr_events; /* not static: the compiler must keep every access */
static volatile long sink;

SCENARIO_BODY void writer(long i)
{
	data_race(nr_events = nr_events + 1);
	sink = scenario_table[i & 63];
}

SCENARIO_BODY void reader(long i)
{
	sink = data_race(nr_events) + scenario_table[(i * 7) & 63];
}

int main(void)
{
	scenario_table_init();
	return scenario_run_pair("data_race_annotated", writer, reader);
}
