/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include "work.h"

long work_counter;

void counter_bump(long by)
{
	long next = by * 3 + 1;

	work_counter = next; /* plain write, no lock: races with stats_read() */
}
