/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef WORK_H
#define WORK_H

/* counter.c: the counter and its (unlocked) update. */
extern long work_counter;
void counter_bump(long by);

/* stats.c: an unlocked reader of the counter. */
long stats_read(void);

#endif
