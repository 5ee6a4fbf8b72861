// SPDX-License-Identifier: MIT OR Apache-2.0
// header_all_annotations.c - include/kcsan.h is usable everywhere: this file
// uses every annotation it offers and must build warning-free (-Wall
// -Wextra -Werror) as C and as C++, both without KCSAN (plain gcc/g++ or
// clang-22/clang++-22: every annotation compiles to nothing or to a volatile
// access) and through `kcsan cc` / `kcsan c++` (KCSAN_ENABLED: calls into
// the runtime, which must link). Every build also runs: the program uses
// the annotations correctly, so it must never report or warn, and with
// skip_watch=1 the instrumented build shows that its checks really reached
// the runtime.
//
// RUN: %cc -std=gnu11 -Wall -Wextra -Werror -I%include -c %s -o %T/plain_c.o
// RUN: %cxx -x c++ -Wall -Wextra -Werror -I%include -c %s -o %T/plain_cxx.o
// RUN: %cc -Wall -Wextra -Werror -I%include %s -o %T/plain -pthread && %T/plain
// RUN: %kcsan_cxx -x c++ -Wall -Wextra -Werror -O2 %s -o %T/kcsan_cxx -pthread && %T/kcsan_cxx
// RUN: %kcsan_cc -Wall -Wextra -Werror -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=1:udelay_task=1:print_stats=1
// STDOUT: {{^}}header_all_annotations: ok (KCSAN_ENABLED, C){{$}}
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN
// NEVER: kcsan: warning
// NEVER: kcsan: error

#include <pthread.h>
#include <stdio.h>

#include <kcsan.h>

struct state {
	long counter;
	long per_thread[3];
	unsigned long flags;
	long stats;
	long big[4];
};

static struct state st;

/* Never instrumented. */
__no_kcsan static void uninstrumented_reset(struct state *s)
{
	s->counter = 0;
	s->stats = 0;
}

static void *worker(void *arg)
{
	long id = (long)arg;
	long sum = 0;

	for (long i = 0; i < 2000; i++) {
		/* Marked accesses: read by others, written only by this thread. */
		WRITE_ONCE(st.per_thread[id], READ_ONCE(st.per_thread[id]) + id);
		sum += READ_ONCE(st.per_thread[3 - id]);
		/* Intentionally racy statistics. */
		sum += data_race(st.stats);
		data_race(st.stats = sum);
		/* Nobody changes the low byte of flags (nobody writes flags at all). */
		ASSERT_EXCLUSIVE_BITS(st.flags, 0xffUL);
		sum += (long)(READ_ONCE(st.flags) & 1);
		/* Checks with explicit access types. */
		kcsan_check_atomic_read(&st.counter, sizeof(st.counter));
		kcsan_check_atomic_write(&st.counter, sizeof(st.counter));
		kcsan_check_atomic_read_write(&st.counter, sizeof(st.counter));
		__kcsan_check_access(&st.counter, sizeof(st.counter), KCSAN_ACCESS_ATOMIC);
	}
	return (void *)sum;
}

int main(void)
{
	pthread_t t[2];
	long local[4] = { 1, 2, 3, 4 };

	uninstrumented_reset(&st);

	/* Single-threaded: the plain checks and the assertions hold trivially. */
	kcsan_check_read(local, sizeof(local));
	kcsan_check_write(local, sizeof(local));
	kcsan_check_read_write(&local[1], sizeof(local[1]));
	kcsan_check_access(&st.big, sizeof(st.big), KCSAN_ACCESS_WRITE | KCSAN_ACCESS_COMPOUND);
	ASSERT_EXCLUSIVE_WRITER(st.counter);
	ASSERT_EXCLUSIVE_ACCESS(st.big);

	kcsan_disable_current();
	__kcsan_disable_current();
	st.big[0] = 1;
	__kcsan_enable_current();
	kcsan_enable_current();
	kcsan_disable_current();
	kcsan_enable_current_nowarn();

	kcsan_nestable_atomic_begin();
	kcsan_nestable_atomic_begin();
	st.big[1] = 2;
	kcsan_nestable_atomic_end();
	kcsan_nestable_atomic_end();
	kcsan_flat_atomic_begin();
	st.big[2] = 3;
	kcsan_flat_atomic_end();
	kcsan_atomic_next(1);
	st.big[3] = 4;
	kcsan_set_access_mask(0xffUL);
	kcsan_set_access_mask(0);

	/* Two threads using the annotations correctly. */
	for (long i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(i + 1)) != 0)
			return 99;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);

	printf("header_all_annotations: ok (%s, %s)\n",
#ifdef KCSAN_ENABLED
	       "KCSAN_ENABLED",
#else
	       "plain",
#endif
#ifdef __cplusplus
	       "C++"
#else
	       "C"
#endif
	);
	return st.per_thread[1] + st.per_thread[2] == 2000 * (1 + 2) ? 0 : 1;
}
