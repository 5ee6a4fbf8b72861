// SPDX-License-Identifier: MIT OR Apache-2.0
// mutex_busy_silent.c - no false positives in a busy, correctly locked
// program: 8 threads (4 producers, 4 consumers) share a bounded queue and a
// statistics struct, all under one pthread mutex, with two condition
// variables, for ~0.5 s. Sampling is aggressive (a watchpoint every ~25
// accesses, plain writes watched too), so the runtime stalls inside critical
// sections all the time: since the lock is held while a watchpoint is set
// up, nobody can race with it, and nothing may be reported. The statistics
// prove it really watched.
//
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=50:assume_plain_writes_atomic=0:print_stats=1
// RUNS: 2
// STDOUT: mutex_busy_silent: ok
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: {{^data_races: [1-9]}}
// NEVER: BUG: KCSAN
// NEVER: mutex_busy_silent: FAILED

#include <string.h>

#include "scenario.h"

#define NR_PRODUCERS 4
#define NR_CONSUMERS 4
#define QUEUE_LEN 16

struct item {
	long seq;
	long payload[4];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct item queue[QUEUE_LEN];
	int head, tail, count;
	int done; /* producers finished */
	long produced, consumed, checksum_in, checksum_out;
	long max_depth;
} shared = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.not_empty = PTHREAD_COND_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER,
};

static int64_t budget_ms;

static void *producer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long id = (long)arg;

	for (long i = 0; !scenario_expired(&dl, i); i++) {
		struct item it = { .seq = i };
		for (int k = 0; k < 4; k++)
			it.payload[k] = id * 1000003 + i * 7 + k;

		pthread_mutex_lock(&shared.lock);
		while (shared.count == QUEUE_LEN)
			pthread_cond_wait(&shared.not_full, &shared.lock);
		shared.queue[shared.tail] = it;
		shared.tail = (shared.tail + 1) % QUEUE_LEN;
		shared.count++;
		if (shared.count > shared.max_depth)
			shared.max_depth = shared.count;
		shared.produced++;
		for (int k = 0; k < 4; k++)
			shared.checksum_in += it.payload[k];
		pthread_cond_signal(&shared.not_empty);
		pthread_mutex_unlock(&shared.lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		struct item it;

		pthread_mutex_lock(&shared.lock);
		while (shared.count == 0 && !shared.done)
			pthread_cond_wait(&shared.not_empty, &shared.lock);
		if (shared.count == 0 && shared.done) {
			pthread_mutex_unlock(&shared.lock);
			return NULL;
		}
		it = shared.queue[shared.head];
		memset(&shared.queue[shared.head], 0, sizeof(it));
		shared.head = (shared.head + 1) % QUEUE_LEN;
		shared.count--;
		shared.consumed++;
		pthread_cond_signal(&shared.not_full);
		pthread_mutex_unlock(&shared.lock);

		/* Work on the private copy outside the lock. */
		long sum = 0;
		for (int k = 0; k < 4; k++)
			sum += it.payload[k];

		pthread_mutex_lock(&shared.lock);
		shared.checksum_out += sum;
		pthread_mutex_unlock(&shared.lock);
	}
}

int main(void)
{
	pthread_t prod[NR_PRODUCERS], cons[NR_CONSUMERS];

	budget_ms = scenario_budget_ms(500);
	for (long i = 0; i < NR_CONSUMERS; i++)
		scenario_spawn(&cons[i], consumer, (void *)i);
	for (long i = 0; i < NR_PRODUCERS; i++)
		scenario_spawn(&prod[i], producer, (void *)i);
	for (int i = 0; i < NR_PRODUCERS; i++)
		pthread_join(prod[i], NULL);

	pthread_mutex_lock(&shared.lock);
	shared.done = 1;
	pthread_cond_broadcast(&shared.not_empty);
	pthread_mutex_unlock(&shared.lock);
	for (int i = 0; i < NR_CONSUMERS; i++)
		pthread_join(cons[i], NULL);

	if (shared.produced != shared.consumed || shared.checksum_in != shared.checksum_out ||
	    shared.produced == 0) {
		printf("mutex_busy_silent: FAILED: produced %ld consumed %ld\n", shared.produced,
		       shared.consumed);
		return 1;
	}
	printf("mutex_busy_silent: ok (%s items, max depth %ld)\n",
	       shared.produced > 1000 ? "over 1000" : "few", shared.max_depth);
	return 0;
}
