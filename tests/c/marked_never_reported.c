// SPDX-License-Identifier: MIT OR Apache-2.0
// marked_never_reported.c - concurrent accesses that are all marked are not
// data races: READ_ONCE/WRITE_ONCE (volatile), C11 <stdatomic.h> loads,
// stores and read-modify-writes, the __atomic and __sync builtins. Marked
// accesses never set up watchpoints, so KCSAN cannot report them against
// each other (kcsan.rst, "Implementation Details"). Sampling is aggressive and
// plain writes are watched too, so anything plain would show up; the plain
// reads of a read-only table prove watchpoints were really set up.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=20:assume_plain_writes_atomic=0:print_stats=1
// RUNS: 2
// STDOUT: marked_never_reported: done
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: {{^data_races: [1-9]}}
// NEVER: BUG: KCSAN
// NEVER: kcsan: warning

#include <stdatomic.h>

#include <kcsan.h>

#include "scenario.h"

/* Not static: the compiler must keep every access. */
long once_var;
_Atomic long c11_var;
long builtin_var;
long sync_var;
volatile long volatile_var;
static int64_t budget_ms;
static volatile long sink;

static void *worker(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long id = (long)arg, sum = 0;

	for (long i = 0; !scenario_expired(&dl, i); i++) {
		WRITE_ONCE(once_var, i);
		sum += READ_ONCE(once_var);
		atomic_store_explicit(&c11_var, i, memory_order_relaxed);
		sum += atomic_load(&c11_var);
		atomic_fetch_add(&c11_var, id);
		__atomic_store_n(&builtin_var, i, __ATOMIC_RELEASE);
		sum += __atomic_load_n(&builtin_var, __ATOMIC_ACQUIRE);
		__atomic_fetch_or(&builtin_var, 1, __ATOMIC_RELAXED);
		__atomic_exchange_n(&builtin_var, i, __ATOMIC_SEQ_CST);
		__sync_fetch_and_add(&sync_var, 1);
		volatile_var = i;
		sum += volatile_var;
		sum += scenario_table[i & 63]; /* plain, but nobody writes it */
		barrier();
	}
	sink = sum;
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	budget_ms = scenario_budget_ms(300);
	scenario_table_init();
	scenario_spawn(&t[0], worker, (void *)1);
	scenario_spawn(&t[1], worker, (void *)2);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("marked_never_reported: done\n");
	return 0;
}
