// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: struct copied by one thread while another updates one of its fields
// A device thread keeps the 64-byte `status` record and bumps its `heartbeat`
// field on every tick; a logger thread copies the whole record into its log
// ring on every tick with a struct assignment (a 64-byte copy) while that
// field changes. Only `heartbeat` is written after the threads start (RACE
// lines: the field update in device() and the copy in logger()).
#include "../corpus.h"
#include <sched.h>
#include <stdatomic.h>

#define TICKS 300

struct status {
	unsigned long heartbeat;
	unsigned long serial;
	double temperature[4];
	unsigned int flags;
	char name[12];
};

static struct status status = {
	0, 0x5eed, { 21.5, 22.0, 22.5, 23.0 }, 0x3, "sensor-7",
};
static struct status ring[8];
static atomic_int arrived;

/* Both threads start ticking together, as when one timer drives them. */
static void start_together(int n)
{
	atomic_fetch_add(&arrived, 1);
	while (atomic_load(&arrived) < n)
		sched_yield();
}

static void *device(void *arg)
{
	unsigned long x = (unsigned long)arg;
	start_together(2);
	for (int t = 0; t < TICKS; t++) {
		for (int k = 0; k < 96; k++)
			x = crunch(x); /* sample the hardware */
		status.heartbeat++; /* RACE: one field updated */
		opaque();
	}
	return (void *)x;
}

static void *logger(void *arg)
{
	unsigned long x = (unsigned long)arg;
	start_together(2);
	for (int t = 0; t < TICKS; t++) {
		ring[t % 8] = status; /* RACE: 64-byte copy of the whole record */
		for (int k = 0; k < 96; k++)
			x = crunch(x); /* format the log line */
		opaque();
	}
	return (void *)x;
}

int main(void)
{
	pthread_t d, l;
	unsigned long last = 0;
	_Static_assert(sizeof(struct status) == 64, "a 64-byte record");
	pthread_create(&d, NULL, device, (void *)1);
	pthread_create(&l, NULL, logger, (void *)2);
	pthread_join(d, NULL);
	pthread_join(l, NULL);
	for (int i = 0; i < 8; i++)
		if (ring[i].heartbeat > last)
			last = ring[i].heartbeat;
	printf("heartbeat %lu, last logged %lu (%s)\n", status.heartbeat, last,
	       ring[0].name);
	return 0;
}
