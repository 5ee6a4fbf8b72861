// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * kcsan_test.c - the kernel's KCSAN test suite (kernel/kcsan/kcsan_test.c,
 * kernel-kcsan.md §11.2) for the user-space runtime: the same 30 cases under
 * the same names, the same test kernels, the same harness, the same matching.
 *
 * Built by `kcsan cc` (gcc or clang-22) and run by the driver in
 * crates/kcsan-cli/tests/kcsan_test.rs, once per case and configuration:
 *
 *	kcsan_test CASE [--once-ms=N] [--expect-ms=N] [--max-threads=N] [--vco=0|1] [--apwa=0|1]
 *	           [--ignore-atomics=0|1] [--unknown-origin=0|1]
 *	           [--permissive=0|1] [--weak=0|1] [--interrupt-watcher=0|1]
 *
 * The flags tell the program the options KCSAN_OPTIONS put in force (the
 * kernel's Kconfig), on which the expectations depend. Output: one line per
 * thread count, then "kcsan_test: CASE: pass|fail|skip"; exit status 0 (pass),
 * 1 (fail) or 77 (skip). A failure names the report it wanted (or must never
 * see) and the reports it saw.
 *
 * Harness (as the kernel's): worker threads alternate between the case's two
 * test kernels until a deadline of report_once_in_ms + 500 ms; a timer thread
 * signals a worker every millisecond, and the handler runs a kernel in
 * "interrupt" (signal-handler) context, as the kernel's timer does; reports are
 * captured with kcsan_set_report_hook() and matched as the kernel matches:
 * the title, and both access lines in either order. Cases that expect a
 * report stop at the first match; the others run to the deadline.
 */
#include <kcsan.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__clang__)
#define __no_kcsan_test __attribute__((noinline, no_sanitize("thread"), disable_sanitizer_instrumentation))
#define noinline_kernel __attribute__((noinline, used))
#else
#define __no_kcsan_test __attribute__((noinline, no_sanitize_thread))
#define noinline_kernel __attribute__((noinline, noclone, used))
#endif

#define barrier() __asm__ __volatile__("" ::: "memory")

/* Does the compiler instrument x++ as one read-write (clang) or as a read and
 * a write (gcc 12)? The kernel's __KCSAN_ACCESS_RW(alt). */
#ifdef __clang__
#define ACCESS_RW(alt) (KCSAN_ACCESS_COMPOUND | KCSAN_ACCESS_WRITE)
#else
#define ACCESS_RW(alt) (alt)
#endif

/* ===== Configuration (the options in force) ===== */

static struct {
	long once_ms;
	long expect_ms;
	int max_threads;
	int vco, apwa, ignore_atomics, unknown_origin, permissive, weak, interrupt_watcher;
} cfg = { 100, 20000, 0, 1, 1, 0, 1, 0, 0, 0 };

/* ===== Test data ===== */

#define PAGE_SIZE 4096
static long test_var;
static long test_sink;
static long test_array[3 * PAGE_SIZE / sizeof(long)];
static struct {
	long val[8];
} test_struct;
static volatile long test_data_racy; /* __data_racy: volatile with KCSAN */
static volatile long jiffies;
static long test_dummy;

/* A seqlock: a sequence count and a writer lock. */
static struct {
	unsigned seq;
	int lock;
} test_seqlock;

/* ===== Helpers (not checked) ===== */

static __no_kcsan_test void sink_value(long v)
{
	WRITE_ONCE(test_sink, v);
}

static __no_kcsan_test long read_sink_nocheck(void)
{
	return READ_ONCE(test_sink);
}

static noinline_kernel void test_delay(int iter)
{
	while (iter--)
		sink_value(READ_ONCE(test_sink));
}

static __no_kcsan_test int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ===== Test kernels ===== */

noinline_kernel void test_kernel_read(void) { sink_value(test_var); }

noinline_kernel void test_kernel_write(void) { test_var = read_sink_nocheck() + 1; }

noinline_kernel void test_kernel_write_nochange(void) { test_var = 42; }

/* Suffixed by _rcu: the report_value_change_only exception. */
noinline_kernel void test_kernel_write_nochange_rcu(void) { test_var = 42; }

noinline_kernel void test_kernel_read_atomic(void) { sink_value(READ_ONCE(test_var)); }

noinline_kernel void test_kernel_write_atomic(void) { WRITE_ONCE(test_var, read_sink_nocheck() + 1); }

noinline_kernel void test_kernel_atomic_rmw(void) { __atomic_fetch_add(&test_var, 1, __ATOMIC_RELAXED); }

__no_kcsan_test void test_kernel_write_uninstrumented(void) { test_var++; }

noinline_kernel void test_kernel_data_race(void) { data_race(test_var++); }

noinline_kernel void test_kernel_data_racy_qualifier(void) { test_data_racy++; }

noinline_kernel void test_kernel_assert_writer(void) { ASSERT_EXCLUSIVE_WRITER(test_var); }

noinline_kernel void test_kernel_assert_access(void) { ASSERT_EXCLUSIVE_ACCESS(test_var); }

#define TEST_CHANGE_BITS 0xff00ff00

noinline_kernel void test_kernel_change_bits(void)
{
	if (cfg.ignore_atomics) {
		/* Atomic accesses are ignored: make a plain access that is
		 * still marked (atomic region), as the kernel's test does. */
		kcsan_nestable_atomic_begin();
		test_var ^= TEST_CHANGE_BITS;
		kcsan_nestable_atomic_end();
	} else {
		WRITE_ONCE(test_var, READ_ONCE(test_var) ^ TEST_CHANGE_BITS);
	}
}

noinline_kernel void test_kernel_assert_bits_change(void)
{
	ASSERT_EXCLUSIVE_BITS(test_var, TEST_CHANGE_BITS);
}

noinline_kernel void test_kernel_assert_bits_nochange(void)
{
	ASSERT_EXCLUSIVE_BITS(test_var, ~TEST_CHANGE_BITS);
}

/* Unrelated accesses inside a scope: they re-check the scoped assertion. */
noinline_kernel void test_enter_scope(void)
{
	int x = 0;
	sink_value(READ_ONCE(test_sink));
	kcsan_check_read(&x, sizeof(x));
	kcsan_check_read(&test_dummy, sizeof(test_dummy));
}

noinline_kernel void test_kernel_assert_writer_scoped(void)
{
	ASSERT_EXCLUSIVE_WRITER_SCOPED(test_var);
	test_enter_scope();
}

noinline_kernel void test_kernel_assert_access_scoped(void)
{
	ASSERT_EXCLUSIVE_ACCESS_SCOPED(test_var);
	test_enter_scope();
}

noinline_kernel void test_kernel_rmw_array(void)
{
	for (size_t i = 0; i < sizeof(test_array) / sizeof(test_array[0]); ++i)
		test_array[i]++;
}

noinline_kernel void test_kernel_write_struct(void)
{
	kcsan_check_write(&test_struct, sizeof(test_struct));
	kcsan_disable_current();
	test_struct.val[3]++; /* induce value change */
	kcsan_enable_current();
}

noinline_kernel void test_kernel_write_struct_part(void) { test_struct.val[3] = 42; }

noinline_kernel void test_kernel_read_struct_zero_size(void)
{
	kcsan_check_read(&test_struct.val[3], 0);
}

noinline_kernel void test_kernel_jiffies_reader(void)
{
	sink_value((long)jiffies);
}

static unsigned read_seqbegin(void)
{
	unsigned seq;
	while ((seq = READ_ONCE(test_seqlock.seq)) & 1)
		;
	smp_rmb();
	kcsan_atomic_next(1000); /* KCSAN_SEQLOCK_REGION_MAX */
	return seq;
}

static int read_seqretry(unsigned start)
{
	smp_rmb();
	kcsan_atomic_next(0);
	return READ_ONCE(test_seqlock.seq) != start;
}

noinline_kernel void test_kernel_seqlock_reader(void)
{
	unsigned seq;
	do {
		seq = read_seqbegin();
		sink_value(test_var);
	} while (read_seqretry(seq));
}

noinline_kernel void test_kernel_seqlock_writer(void)
{
	/* write_seqlock_irqsave: the "interrupt" (the timer's signal) is held
	 * off while the count is odd, or a reader in the handler would spin on
	 * the thread it interrupted. A writer that finds the lock taken gives
	 * up instead of spinning (it may be a handler itself). */
	sigset_t irq, saved;
	sigemptyset(&irq);
	sigaddset(&irq, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &irq, &saved);
	if (__atomic_exchange_n(&test_seqlock.lock, 1, __ATOMIC_ACQUIRE)) {
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
		return;
	}
	kcsan_nestable_atomic_begin();
	test_seqlock.seq++;
	smp_wmb();
	test_var++;
	smp_wmb();
	test_seqlock.seq++;
	kcsan_nestable_atomic_end();
	__atomic_store_n(&test_seqlock.lock, 0, __ATOMIC_RELEASE);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

noinline_kernel void test_kernel_atomic_builtins(void)
{
	__atomic_load_n(&test_var, __ATOMIC_RELAXED);
}

noinline_kernel void test_kernel_xor_1bit(void)
{
	kcsan_nestable_atomic_begin();
	test_var ^= 0x10000;
	kcsan_nestable_atomic_end();
}

/* The locked kernels: a flag taken with @acquire, 100 plain increments of
 * test_var, @release, then some unrelated accesses in which a reordered
 * access can still be replayed. */
#define TEST_KERNEL_LOCKED(name, acquire, release)                             \
	noinline_kernel void test_kernel_##name(void)                          \
	{                                                                      \
		long *flag = &test_struct.val[0];                              \
		long v = 0;                                                    \
		(void)v;                                                       \
		if (!(acquire))                                                \
			return;                                                \
		for (int i = 0; i < 100; ++i) {                                \
			test_var++;                                            \
			barrier();                                             \
		}                                                              \
		release;                                                       \
		test_delay(10);                                                \
	}

TEST_KERNEL_LOCKED(with_memorder,
		   __atomic_compare_exchange_n(flag, &v, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE),
		   smp_store_release(flag, 0))
TEST_KERNEL_LOCKED(wrong_memorder,
		   __atomic_compare_exchange_n(flag, &v, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED),
		   WRITE_ONCE(*flag, 0))
TEST_KERNEL_LOCKED(atomic_builtin_with_memorder,
		   __atomic_compare_exchange_n(flag, &v, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED),
		   __atomic_store_n(flag, 0, __ATOMIC_RELEASE))
TEST_KERNEL_LOCKED(atomic_builtin_wrong_memorder,
		   __atomic_compare_exchange_n(flag, &v, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED),
		   __atomic_store_n(flag, 0, __ATOMIC_RELAXED))

/* ===== Report capture and matching ===== */

struct expect_access {
	const char *fn;          /* NULL: no such access (unknown origin) */
	const volatile void *ptr; /* NULL: any address */
	size_t size;
	int type;
};

struct expect_report {
	/* access[1].fn == NULL: a race of unknown origin */
	struct expect_access access[2];
};

#define MAX_SPECS 4
#define MAX_SEEN 6
#define LINE 512

static struct {
	int n;
	const struct expect_report *spec[MAX_SPECS];
	int seen[MAX_SPECS]; /* written by the hook */
	/* The reports seen, for failure messages. */
	int nseen;
	char title[MAX_SEEN][LINE], line1[MAX_SEEN][LINE], line2[MAX_SEEN][LINE];
} cap;

static __no_kcsan_test const char *type_str(int type)
{
	if (type & KCSAN_ACCESS_ASSERT)
		return (type & KCSAN_ACCESS_WRITE) ? "assert no accesses" : "assert no writes";
	if (type & KCSAN_ACCESS_WRITE)
		return (type & KCSAN_ACCESS_COMPOUND) ? "read-write" : "write";
	return "read";
}

static __no_kcsan_test const char *aux_str(int type)
{
	if (type & KCSAN_ACCESS_ASSERT)
		return (type & KCSAN_ACCESS_SCOPED) ? " (reordered)" : "";
	if ((type & KCSAN_ACCESS_ATOMIC) && (type & KCSAN_ACCESS_SCOPED))
		return " (marked, reordered)";
	if (type & KCSAN_ACCESS_ATOMIC)
		return " (marked)";
	if (type & KCSAN_ACCESS_SCOPED)
		return " (reordered)";
	return "";
}

/* The expected title and access lines of @r, with @scoped_mask (bit i: access
 * i is reordered) applied, as the kernel's __report_matches builds them. */
static __no_kcsan_test void expected_lines(const struct expect_report *r, int scoped_mask,
					   char title[LINE], char lines[2][LINE])
{
	const char *bug = ((r->access[0].type | r->access[1].type) & KCSAN_ACCESS_ASSERT) ?
				  "assert: race" :
				  "data-race";
	if (r->access[1].fn) {
		/* Ordered as the report orders them: by "name+offset" strings. */
		char a[LINE], b[LINE];
		snprintf(a, LINE, "%s+", r->access[0].fn);
		snprintf(b, LINE, "%s+", r->access[1].fn);
		int swap = strcmp(a, b) > 0;
		snprintf(title, LINE, "BUG: KCSAN: %s in %s / %s", bug,
			 swap ? r->access[1].fn : r->access[0].fn,
			 swap ? r->access[0].fn : r->access[1].fn);
	} else {
		snprintf(title, LINE, "BUG: KCSAN: %s in %s", bug, r->access[0].fn);
	}
	for (int i = 0; i < 2; i++) {
		const struct expect_access *a = &r->access[i];
		char *out = lines[i];
		if (!a->fn) {
			snprintf(out, LINE, "<none>");
			continue;
		}
		int type = a->type | ((scoped_mask >> i & 1) ? KCSAN_ACCESS_SCOPED : 0);
		int n = snprintf(out, LINE, "%s%s%s to ",
				 (i == 0 && !r->access[1].fn) ? "race at unknown origin, with " : "",
				 type_str(type), aux_str(type));
		if (a->ptr)
			snprintf(out + n, LINE - n, "0x%016lx of %zu bytes", (unsigned long)a->ptr,
				 a->size);
	}
}

static __no_kcsan_test int lines_match(const char *title, const char *l1, const char *l2,
				       const char *et, char el[2][LINE])
{
	if (!strstr(title, et))
		return 0;
	return (strstr(l1, el[0]) && strstr(l2, el[1])) || (strstr(l1, el[1]) && strstr(l2, el[0]));
}

/* The kernel's report_matches: with weak memory, any access may show up as
 * reordered, so all four combinations are tried. */
static __no_kcsan_test int report_matches(const struct expect_report *r, const char *title,
					  const char *l1, const char *l2)
{
	char et[LINE], el[2][LINE];
	int combos = cfg.weak ? 4 : 1;
	for (int m = 0; m < combos; m++) {
		expected_lines(r, m, et, el);
		if (lines_match(title, l1, l2, et, el))
			return 1;
	}
	return 0;
}

static __no_kcsan_test void access_line(char out[LINE], const struct kcsan_report_access *a,
					int unknown_origin)
{
	snprintf(out, LINE, "%s%s to 0x%016lx of %zu bytes by %s %d on cpu %d:",
		 unknown_origin ? "race at unknown origin, with " : "", a->description,
		 (unsigned long)a->addr, a->size, a->in_interrupt ? "interrupt in task" : "task",
		 a->tid, a->cpu);
}

/* The report hook: runs on the watcher's thread with the report lock held;
 * the kernel's probe_console. Matching happens here, so that no report is
 * lost between two looks of the checker. */
static __no_kcsan_test int capture_report(const struct kcsan_report *r, void *arg)
{
	char title[LINE], l1[LINE], l2[LINE];
	(void)arg;
	snprintf(title, LINE, "BUG: KCSAN: %s", r->title);
	if (!strstr(title, "test_"))
		return KCSAN_REPORT_PRINT; /* not ours: print it */
	if (r->other) {
		access_line(l1, r->other, 0);
		access_line(l2, &r->this_access, 0);
	} else {
		access_line(l1, &r->this_access, 1);
		snprintf(l2, LINE, "<none>");
	}
	for (int i = 0; i < cap.n; i++)
		if (!cap.seen[i] && report_matches(cap.spec[i], title, l1, l2))
			__atomic_store_n(&cap.seen[i], 1, __ATOMIC_RELEASE);
	if (cap.nseen < MAX_SEEN) {
		int k = cap.nseen++;
		memcpy(cap.title[k], title, LINE);
		memcpy(cap.line1[k], l1, LINE);
		memcpy(cap.line2[k], l2, LINE);
	}
	return KCSAN_REPORT_CONSUMED;
}

/* ===== Threads ===== */

typedef void (*kernel_fn)(void);
static kernel_fn access_kernels[2];
static int stop_threads;
static unsigned long irq_count;

#define MAX_THREADS 32
static pthread_t workers[MAX_THREADS];
static int nworkers;
static pthread_t timer_thread;

static __no_kcsan_test void *access_thread(void *arg)
{
	unsigned long cnt = 0;
	(void)arg;
	while (!__atomic_load_n(&stop_threads, __ATOMIC_ACQUIRE)) {
		kernel_fn f = __atomic_load_n(&access_kernels[cnt++ % 2], __ATOMIC_ACQUIRE);
		if (f)
			f();
	}
	return NULL;
}

/* The kernel's access_thread_timer: runs a kernel in interrupt context. */
static __no_kcsan_test void access_thread_timer(int sig)
{
	unsigned long cnt = __atomic_fetch_add(&irq_count, 1, __ATOMIC_RELAXED);
	kernel_fn f = __atomic_load_n(&access_kernels[cnt % 2], __ATOMIC_ACQUIRE);
	(void)sig;
	if (f)
		f();
}

/* One "jiffy" a millisecond: advance jiffies and interrupt a worker. */
static __no_kcsan_test void *timer_main(void *arg)
{
	unsigned long i = 0;
	(void)arg;
	while (!__atomic_load_n(&stop_threads, __ATOMIC_ACQUIRE)) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
		jiffies = jiffies + 1;
		if (nworkers)
			pthread_kill(workers[i++ % nworkers], SIGUSR1);
	}
	return NULL;
}

static __no_kcsan_test void start_threads(int n)
{
	__atomic_store_n(&stop_threads, 0, __ATOMIC_RELEASE);
	for (int i = 0; i < n; i++)
		if (pthread_create(&workers[i], NULL, access_thread, NULL)) {
			perror("pthread_create");
			exit(2);
		}
	nworkers = n;
	if (pthread_create(&timer_thread, NULL, timer_main, NULL)) {
		perror("pthread_create");
		exit(2);
	}
}

static __no_kcsan_test void stop_all_threads(void)
{
	__atomic_store_n(&access_kernels[0], NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&access_kernels[1], NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&stop_threads, 1, __ATOMIC_RELEASE);
	pthread_join(timer_thread, NULL);
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	nworkers = 0;
}

/* ===== Checks ===== */

static int64_t end_time;
static int case_failed;
static const char *skip_reason;
static char fail_msg[4096];

/* The kernel's begin_test_checks: the checker itself is not checked. */
static __no_kcsan_test void begin_test_checks(kernel_fn f1, kernel_fn f2)
{
	kcsan_disable_current();
	end_time = now_ms() + cfg.once_ms + 500;
	__atomic_store_n(&access_kernels[0], f1, __ATOMIC_RELEASE);
	__atomic_store_n(&access_kernels[1], f2, __ATOMIC_RELEASE);
}

static __no_kcsan_test int end_test_checks(int stop)
{
	if (!stop && now_ms() < end_time)
		return 0;
	kcsan_enable_current();
	return 1;
}

static __no_kcsan_test void watch(const struct expect_report *r)
{
	cap.spec[cap.n] = r;
	cap.seen[cap.n] = 0;
	cap.n++;
}

static __no_kcsan_test int seen(const struct expect_report *r)
{
	for (int i = 0; i < cap.n; i++)
		if (cap.spec[i] == r)
			return __atomic_load_n(&cap.seen[i], __ATOMIC_ACQUIRE);
	return 0;
}

/* Records a failed expectation: the report wanted (or never wanted), and the
 * reports seen. */
static __no_kcsan_test void fail(const char *what, const struct expect_report *r)
{
	char et[LINE], el[2][LINE];
	size_t n = strlen(fail_msg);
	case_failed = 1;
	if (!r) {
		snprintf(fail_msg + n, sizeof(fail_msg) - n, "    %s\n", what);
		return;
	}
	expected_lines(r, 0, et, el);
	snprintf(fail_msg + n, sizeof(fail_msg) - n, "    %s:\n      %s\n      %s\n      %s\n", what,
		 et, el[0], el[1]);
}

static __no_kcsan_test void fail_expect(const char *cond, const struct expect_report *r)
{
	fail(r ? "expected a report matching" : cond, r);
}

#define EXPECT(cond, r)                                                        \
	do {                                                                   \
		if (!(cond))                                                   \
			fail_expect(#cond, (r));                               \
	} while (0)
#define EXPECT_NEVER(r)                                                        \
	do {                                                                   \
		if (seen(r))                                                   \
			fail("never expected a report matching", (r));         \
	} while (0)
#define EXPECT_NONE()                                                          \
	do {                                                                   \
		if (cap.nseen)                                                 \
			fail("expected no report at all", NULL);               \
	} while (0)
#define REQUIRES(cond)                                                         \
	do {                                                                   \
		if (!(cond)) {                                                 \
			skip_reason = "test requires: " #cond;                 \
			return;                                                \
		}                                                              \
	} while (0)

/* Runs f1/f2 in the workers until the deadline, or until @stop_on (if any)
 * was seen. While @expected (if any) is not seen yet, the deadline extends to
 * --expect-ms: a case that stops at its expected report pays for the longer
 * deadline only when it fails, and a loaded 2-core machine runs the kernels
 * far less often than the kernel's test VM does. */
static const struct expect_report *wait_for[2];
static int wait_all; /* 1: wait for both wait_for reports, 0: for either */

static __no_kcsan_test int still_waiting(void)
{
	int a = !wait_for[0] || seen(wait_for[0]), b = !wait_for[1] || seen(wait_for[1]);
	if (!wait_for[0] && !wait_for[1])
		return 0;
	return wait_all || !wait_for[1] ? !(a && b) : !(seen(wait_for[0]) || seen(wait_for[1]));
}

static __no_kcsan_test void run_checks_until(kernel_fn f1, kernel_fn f2, const struct expect_report *stop_on,
					     void (*checker)(void), const struct expect_report *expected)
{
	int done;
	if (expected) {
		wait_for[0] = expected;
		wait_for[1] = NULL;
	}
	begin_test_checks(f1, f2);
	int64_t long_end = end_time + (cfg.expect_ms > cfg.once_ms + 500 ? cfg.expect_ms - (cfg.once_ms + 500) : 0);
	do {
		if (checker)
			checker();
		int64_t now = now_ms();
		int waiting = still_waiting() && now < long_end;
		done = (stop_on && seen(stop_on)) || (now >= end_time && !waiting);
	} while (!done);
	end_test_checks(1);
	wait_for[0] = wait_for[1] = NULL;
	wait_all = 0;
}

/* Stops early on @stop_on; waits (up to --expect-ms) for @expect. */
#define run_checks(f1, f2, stop_on, checker) run_checks_until(f1, f2, stop_on, checker, NULL)
#define run_checks_expect(f1, f2, expect, checker) run_checks_until(f1, f2, expect, checker, expect)

static __no_kcsan_test void checker_read_test_var(void)
{
	sink_value(READ_ONCE(test_var));
}

/* ===== The cases ===== */

#define A(fn, ptr, size, type) { #fn, (ptr), (size), (type) }
#define NONE { NULL, NULL, 0, 0 }

static __no_kcsan_test void test_basic(void)
{
	static const struct expect_report expect = { { A(test_kernel_write, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE),
						       A(test_kernel_read, &test_var, sizeof(test_var), 0) } };
	static const struct expect_report never = { { A(test_kernel_read, &test_var, sizeof(test_var), 0),
						      A(test_kernel_read, &test_var, sizeof(test_var), 0) } };
	watch(&expect);
	watch(&never);
	run_checks_until(test_kernel_write, test_kernel_read, &never, NULL, &expect);
	EXPECT(seen(&expect), &expect);
	EXPECT_NEVER(&never);
}

static __no_kcsan_test void test_concurrent_races(void)
{
	static const struct expect_report expect = { { A(test_kernel_rmw_array, NULL, 0, ACCESS_RW(KCSAN_ACCESS_WRITE)),
						       A(test_kernel_rmw_array, NULL, 0, ACCESS_RW(0)) } };
	static const struct expect_report never = { { A(test_kernel_rmw_array, NULL, 0, 0),
						      A(test_kernel_rmw_array, NULL, 0, 0) } };
	watch(&expect);
	watch(&never);
	run_checks_until(test_kernel_rmw_array, test_kernel_rmw_array, &never, NULL, &expect);
	EXPECT(seen(&expect), &expect);
	EXPECT_NEVER(&never);
}

static __no_kcsan_test void novalue_change(kernel_fn writer, const char *wname, int always)
{
	static struct expect_report expect_rw, expect_ww;
	struct expect_report rw = { { { wname, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE },
				      A(test_kernel_read, &test_var, sizeof(test_var), 0) } };
	struct expect_report ww = { { { wname, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE },
				      { wname, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE } } };
	expect_rw = rw;
	expect_ww = ww;
	watch(&expect_rw);
	watch(&expect_ww);
	WRITE_ONCE(test_var, 42); /* Force a value that does not change. */
	int want = always || !cfg.vco;
	run_checks_until(writer, test_kernel_read, want ? &expect_rw : NULL, NULL, want ? &expect_rw : NULL);
	if (want)
		EXPECT(seen(&expect_rw) || seen(&expect_ww), &expect_rw);
	else
		EXPECT(!seen(&expect_rw) && !seen(&expect_ww), NULL);
}

static __no_kcsan_test void test_novalue_change(void)
{
	novalue_change(test_kernel_write_nochange, "test_kernel_write_nochange", 0);
}

static __no_kcsan_test void test_novalue_change_exception(void)
{
	novalue_change(test_kernel_write_nochange_rcu, "test_kernel_write_nochange_rcu", 1);
}

static __no_kcsan_test void test_unknown_origin(void)
{
	static const struct expect_report expect = { { A(test_kernel_read, &test_var, sizeof(test_var), 0), NONE } };
	watch(&expect);
	run_checks_until(test_kernel_write_uninstrumented, test_kernel_read,
			 cfg.unknown_origin ? &expect : NULL, NULL, cfg.unknown_origin ? &expect : NULL);
	if (cfg.unknown_origin)
		EXPECT(seen(&expect), &expect);
	else
		EXPECT_NEVER(&expect);
}

static __no_kcsan_test void test_write_write_assume_atomic(void)
{
	static const struct expect_report expect = { { A(test_kernel_write, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE),
						       A(test_kernel_write, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE) } };
	watch(&expect);
	run_checks_until(test_kernel_write, test_kernel_write, cfg.apwa ? NULL : &expect,
			 checker_read_test_var, cfg.apwa ? NULL : &expect);
	if (cfg.apwa)
		EXPECT_NEVER(&expect);
	else
		EXPECT(seen(&expect), &expect);
}

static __no_kcsan_test void test_write_write_struct(void)
{
	static const struct expect_report expect = { { A(test_kernel_write_struct, &test_struct, sizeof(test_struct), KCSAN_ACCESS_WRITE),
						       A(test_kernel_write_struct, &test_struct, sizeof(test_struct), KCSAN_ACCESS_WRITE) } };
	watch(&expect);
	run_checks_expect(test_kernel_write_struct, test_kernel_write_struct, &expect, NULL);
	EXPECT(seen(&expect), &expect);
}

static __no_kcsan_test void test_write_write_struct_part(void)
{
	static const struct expect_report expect = { { A(test_kernel_write_struct, &test_struct, sizeof(test_struct), KCSAN_ACCESS_WRITE),
						       A(test_kernel_write_struct_part, &test_struct.val[3], sizeof(test_struct.val[3]), KCSAN_ACCESS_WRITE) } };
	watch(&expect);
	run_checks_expect(test_kernel_write_struct, test_kernel_write_struct_part, &expect, NULL);
	EXPECT(seen(&expect), &expect);
}

static __no_kcsan_test void test_read_atomic_write_atomic(void)
{
	run_checks(test_kernel_read_atomic, test_kernel_write_atomic, NULL, NULL);
	EXPECT_NONE();
}

static __no_kcsan_test void test_read_plain_atomic_write(void)
{
	static const struct expect_report expect = { { A(test_kernel_read, &test_var, sizeof(test_var), 0),
						       A(test_kernel_write_atomic, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE | KCSAN_ACCESS_ATOMIC) } };
	REQUIRES(!cfg.ignore_atomics);
	watch(&expect);
	run_checks_expect(test_kernel_read, test_kernel_write_atomic, &expect, NULL);
	EXPECT(seen(&expect), &expect);
}

static __no_kcsan_test void test_read_plain_atomic_rmw(void)
{
	static const struct expect_report expect = { { A(test_kernel_read, &test_var, sizeof(test_var), 0),
						       A(test_kernel_atomic_rmw, &test_var, sizeof(test_var),
							 KCSAN_ACCESS_COMPOUND | KCSAN_ACCESS_WRITE | KCSAN_ACCESS_ATOMIC) } };
	REQUIRES(!cfg.ignore_atomics);
	watch(&expect);
	run_checks_expect(test_kernel_read, test_kernel_atomic_rmw, &expect, NULL);
	EXPECT(seen(&expect), &expect);
}

static __no_kcsan_test void test_zero_size_access(void)
{
	static const struct expect_report expect = { { A(test_kernel_write_struct, &test_struct, sizeof(test_struct), KCSAN_ACCESS_WRITE),
						       A(test_kernel_write_struct, &test_struct, sizeof(test_struct), KCSAN_ACCESS_WRITE) } };
	static const struct expect_report never = { { A(test_kernel_write_struct, &test_struct, sizeof(test_struct), KCSAN_ACCESS_WRITE),
						      A(test_kernel_read_struct_zero_size, &test_struct.val[3], 0, 0) } };
	watch(&expect);
	watch(&never);
	run_checks_until(test_kernel_write_struct, test_kernel_read_struct_zero_size, &never, NULL, &expect);
	EXPECT(seen(&expect), &expect); /* sanity check */
	EXPECT_NEVER(&never);
}

static __no_kcsan_test void test_data_race(void)
{
	run_checks(test_kernel_data_race, test_kernel_data_race, NULL, NULL);
	EXPECT_NONE();
}

static __no_kcsan_test void test_data_racy_qualifier(void)
{
	run_checks(test_kernel_data_racy_qualifier, test_kernel_data_racy_qualifier, NULL, NULL);
	EXPECT_NONE();
}

static __no_kcsan_test void test_assert_exclusive_writer(void)
{
	static const struct expect_report expect = { { A(test_kernel_assert_writer, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT),
						       A(test_kernel_write_nochange, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE) } };
	watch(&expect);
	run_checks_expect(test_kernel_assert_writer, test_kernel_write_nochange, &expect, NULL);
	EXPECT(seen(&expect), &expect);
}

static __no_kcsan_test void test_assert_exclusive_access(void)
{
	static const struct expect_report expect = { { A(test_kernel_assert_access, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_WRITE),
						       A(test_kernel_read, &test_var, sizeof(test_var), 0) } };
	watch(&expect);
	run_checks_expect(test_kernel_assert_access, test_kernel_read, &expect, NULL);
	EXPECT(seen(&expect), &expect);
}

static __no_kcsan_test void test_assert_exclusive_access_writer(void)
{
	static const struct expect_report expect_access_writer = { { A(test_kernel_assert_access, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_WRITE),
								     A(test_kernel_assert_writer, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT) } };
	static const struct expect_report expect_access_access = { { A(test_kernel_assert_access, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_WRITE),
								     A(test_kernel_assert_access, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_WRITE) } };
	static const struct expect_report never = { { A(test_kernel_assert_writer, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT),
						      A(test_kernel_assert_writer, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT) } };
	watch(&expect_access_writer);
	watch(&expect_access_access);
	watch(&never);
	wait_for[0] = &expect_access_writer;
	wait_for[1] = &expect_access_access;
	wait_all = 1;
	run_checks(test_kernel_assert_access, test_kernel_assert_writer, &never, NULL);
	EXPECT(seen(&expect_access_writer), &expect_access_writer);
	EXPECT(seen(&expect_access_access), &expect_access_access);
	EXPECT_NEVER(&never);
}

static __no_kcsan_test void test_assert_exclusive_bits_change(void)
{
	static struct expect_report expect = { { A(test_kernel_assert_bits_change, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT),
						 A(test_kernel_change_bits, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE) } };
	if (!cfg.ignore_atomics)
		expect.access[1].type |= KCSAN_ACCESS_ATOMIC;
	watch(&expect);
	run_checks_expect(test_kernel_assert_bits_change, test_kernel_change_bits, &expect, NULL);
	EXPECT(seen(&expect), &expect);
}

static __no_kcsan_test void test_assert_exclusive_bits_nochange(void)
{
	run_checks(test_kernel_assert_bits_nochange, test_kernel_change_bits, NULL, NULL);
	EXPECT_NONE();
}

static __no_kcsan_test void test_assert_exclusive_writer_scoped(void)
{
	static const struct expect_report expect_start = { { A(test_kernel_assert_writer_scoped, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_SCOPED),
							     A(test_kernel_write_nochange, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE) } };
	static const struct expect_report expect_inscope = { { A(test_enter_scope, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_SCOPED),
							       A(test_kernel_write_nochange, &test_var, sizeof(test_var), KCSAN_ACCESS_WRITE) } };
	watch(&expect_start);
	watch(&expect_inscope);
	run_checks_until(test_kernel_assert_writer_scoped, test_kernel_write_nochange, &expect_inscope, NULL,
			 &expect_start);
	EXPECT(seen(&expect_start), &expect_start);
	EXPECT_NEVER(&expect_inscope);
}

static __no_kcsan_test void test_assert_exclusive_access_scoped(void)
{
	static const struct expect_report expect_start1 = { { A(test_kernel_assert_access_scoped, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_WRITE | KCSAN_ACCESS_SCOPED),
							      A(test_kernel_read, &test_var, sizeof(test_var), 0) } };
	static const struct expect_report expect_start2 = { { A(test_kernel_assert_access_scoped, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_WRITE | KCSAN_ACCESS_SCOPED),
							      A(test_kernel_assert_access_scoped, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_WRITE | KCSAN_ACCESS_SCOPED) } };
	static const struct expect_report expect_inscope = { { A(test_enter_scope, &test_var, sizeof(test_var), KCSAN_ACCESS_ASSERT | KCSAN_ACCESS_WRITE | KCSAN_ACCESS_SCOPED),
							       A(test_kernel_read, &test_var, sizeof(test_var), 0) } };
	watch(&expect_start1);
	watch(&expect_start2);
	watch(&expect_inscope);
	wait_for[0] = &expect_start1;
	wait_for[1] = &expect_start2;
	cfg.once_ms += 1000; /* the kernel gives this case one more second */
	run_checks(test_kernel_assert_access_scoped, test_kernel_read, &expect_inscope, NULL);
	cfg.once_ms -= 1000;
	EXPECT(seen(&expect_start1) || seen(&expect_start2), &expect_start1);
	EXPECT_NEVER(&expect_inscope);
}

static __no_kcsan_test void test_jiffies_noreport(void)
{
	run_checks(test_kernel_jiffies_reader, test_kernel_jiffies_reader, NULL, NULL);
	EXPECT_NONE();
}

static __no_kcsan_test void test_seqlock_noreport(void)
{
	run_checks(test_kernel_seqlock_reader, test_kernel_seqlock_writer, NULL, NULL);
	EXPECT_NONE();
}

/* Runs with KCSAN enabled on this thread: the builtins must still do what
 * they do. */
static noinline_kernel void atomic_builtins_sequence(void)
{
	long tmp;
	__atomic_store_n(&test_var, 42L, __ATOMIC_RELAXED);
	EXPECT(__atomic_load_n(&test_var, __ATOMIC_RELAXED) == 42L, NULL);
	EXPECT(__atomic_exchange_n(&test_var, 20, __ATOMIC_RELAXED) == 42L, NULL);
	EXPECT(test_var == 20, NULL);
	tmp = 20L;
	EXPECT(__atomic_compare_exchange_n(&test_var, &tmp, 30L, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED), NULL);
	EXPECT(tmp == 20L, NULL);
	EXPECT(test_var == 30L, NULL);
	EXPECT(!__atomic_compare_exchange_n(&test_var, &tmp, 40L, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED), NULL);
	EXPECT(tmp == 30L, NULL);
	EXPECT(test_var == 30L, NULL);
	EXPECT(__atomic_fetch_add(&test_var, 1, __ATOMIC_RELAXED) == 30L, NULL);
	EXPECT(__atomic_fetch_sub(&test_var, 1, __ATOMIC_RELAXED) == 31L, NULL);
	EXPECT(__atomic_fetch_and(&test_var, 0xf, __ATOMIC_RELAXED) == 30L, NULL);
	EXPECT(__atomic_fetch_xor(&test_var, 0xf, __ATOMIC_RELAXED) == 14L, NULL);
	EXPECT(__atomic_fetch_or(&test_var, 0xf0, __ATOMIC_RELAXED) == 1L, NULL);
	EXPECT(__atomic_fetch_nand(&test_var, 0xf, __ATOMIC_RELAXED) == 241L, NULL);
	EXPECT(test_var == -2L, NULL);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static __no_kcsan_test void test_atomic_builtins(void)
{
	begin_test_checks(test_kernel_atomic_builtins, test_kernel_atomic_builtins);
	do {
		kcsan_enable_current();
		atomic_builtins_sequence();
		kcsan_disable_current();
	} while (!end_test_checks(0));
	EXPECT_NONE();
}

static __no_kcsan_test void test_1bit_value_change(void)
{
	static const struct expect_report expect = { { A(test_kernel_read, &test_var, sizeof(test_var), 0),
						       A(test_kernel_xor_1bit, &test_var, sizeof(test_var), ACCESS_RW(KCSAN_ACCESS_WRITE)) } };
	watch(&expect);
	run_checks_until(test_kernel_read, test_kernel_xor_1bit, cfg.permissive ? NULL : &expect, NULL,
			 cfg.permissive ? NULL : &expect);
	if (cfg.permissive)
		EXPECT_NEVER(&expect);
	else
		EXPECT(seen(&expect), &expect);
}

static __no_kcsan_test void barrier_case(kernel_fn f, const char *fname, int expect_report)
{
	static struct expect_report expect;
	struct expect_report e = { { { fname, &test_var, sizeof(test_var), ACCESS_RW(KCSAN_ACCESS_WRITE) },
				     { fname, &test_var, sizeof(test_var), ACCESS_RW(0) } } };
	expect = e;
	watch(&expect);
	run_checks_until(f, f, expect_report ? &expect : NULL, NULL, expect_report ? &expect : NULL);
	if (expect_report)
		EXPECT(seen(&expect), &expect);
	else
		EXPECT_NONE();
}

static __no_kcsan_test void test_correct_barrier(void)
{
	barrier_case(test_kernel_with_memorder, "test_kernel_with_memorder", 0);
}

static __no_kcsan_test void test_missing_barrier(void)
{
	barrier_case(test_kernel_wrong_memorder, "test_kernel_wrong_memorder", cfg.weak);
}

static __no_kcsan_test void test_atomic_builtins_correct_barrier(void)
{
	barrier_case(test_kernel_atomic_builtin_with_memorder,
		     "test_kernel_atomic_builtin_with_memorder", 0);
}

static __no_kcsan_test void test_atomic_builtins_missing_barrier(void)
{
	barrier_case(test_kernel_atomic_builtin_wrong_memorder,
		     "test_kernel_atomic_builtin_wrong_memorder", cfg.weak);
}

/* test_barrier_nothreads: which operations retire a pending reordered read,
 * write and read-write, compiled as a program would write them. */
static long bv;
static int bflag;

#define BARRIER_CHECK(op, r, w, rw)                                            \
	do {                                                                   \
		const int types[3] = { 0, KCSAN_ACCESS_WRITE,                  \
				       KCSAN_ACCESS_WRITE | KCSAN_ACCESS_COMPOUND }; \
		const int want[3] = { r, w, rw };                              \
		for (int t = 0; t < 3; t++) {                                  \
			kcsan_selftest_set_reorder(&test_var, sizeof(test_var), types[t]); \
			op;                                                    \
			int ordered = kcsan_selftest_reorder_size() == 0;      \
			if (ordered != want[t]) {                              \
				char m[256];                                   \
				snprintf(m, sizeof(m), "%s %s a pending %s", #op, \
					 want[t] ? "must order" : "must not order", \
					 t == 0 ? "read" : t == 1 ? "write" : "read-write"); \
				fail(m, NULL);                                 \
			}                                                      \
		}                                                              \
		kcsan_selftest_set_reorder(&test_var, 0, 0);                   \
	} while (0)

static noinline_kernel void barrier_table(void)
{
	long v = 0;
	int iflag;
	(void)v;
	/* Everything here is in an atomic region: no new reordered access. */
	kcsan_nestable_atomic_begin();
	/* Ordering for all three types. */
	BARRIER_CHECK(smp_mb(), 1, 1, 1);
	BARRIER_CHECK(kcsan_mb(), 1, 1, 1);
	BARRIER_CHECK(kcsan_release(), 1, 1, 1);
	BARRIER_CHECK(smp_store_release(&bv, 1), 1, 1, 1);
	BARRIER_CHECK(__atomic_exchange_n(&bv, 1, __ATOMIC_SEQ_CST), 1, 1, 1);
	BARRIER_CHECK(__atomic_exchange_n(&bv, 1, __ATOMIC_RELEASE), 1, 1, 1);
	BARRIER_CHECK(__atomic_compare_exchange_n(&bv, &v, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST), 1, 1, 1);
	BARRIER_CHECK(__atomic_compare_exchange_n(&bv, &v, 1, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED), 1, 1, 1);
	BARRIER_CHECK(__atomic_store_n(&bv, 1, __ATOMIC_RELEASE), 1, 1, 1);
	BARRIER_CHECK(__atomic_add_fetch(&bv, 1, __ATOMIC_SEQ_CST), 1, 1, 1);
	BARRIER_CHECK(__atomic_fetch_add(&bv, 1, __ATOMIC_RELEASE), 1, 1, 1);
	BARRIER_CHECK(__atomic_fetch_add(&bv, 1, __ATOMIC_ACQ_REL), 1, 1, 1);
	BARRIER_CHECK(__atomic_fetch_or(&iflag, 1, __ATOMIC_SEQ_CST), 1, 1, 1);    /* test_and_set_bit */
	BARRIER_CHECK(__atomic_fetch_and(&iflag, ~1, __ATOMIC_RELEASE), 1, 1, 1); /* clear_bit_unlock */
	BARRIER_CHECK(__atomic_thread_fence(__ATOMIC_SEQ_CST), 1, 1, 1);
	BARRIER_CHECK(__atomic_thread_fence(__ATOMIC_RELEASE), 1, 1, 1);
	BARRIER_CHECK(__sync_synchronize(), 1, 1, 1);
	BARRIER_CHECK(__sync_fetch_and_add(&bv, 1), 1, 1, 1);
	BARRIER_CHECK(__sync_lock_release(&bflag), 1, 1, 1); /* spin_unlock */
	/* Not ordering. */
	BARRIER_CHECK(smp_load_acquire(&bv), 0, 0, 0);
	BARRIER_CHECK(__atomic_exchange_n(&bv, 1, __ATOMIC_RELAXED), 0, 0, 0);
	BARRIER_CHECK(__atomic_compare_exchange_n(&bv, &v, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED), 0, 0, 0);
	BARRIER_CHECK(__atomic_compare_exchange_n(&bv, &v, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE), 0, 0, 0);
	BARRIER_CHECK(__atomic_load_n(&bv, __ATOMIC_RELAXED), 0, 0, 0);
	BARRIER_CHECK(__atomic_load_n(&bv, __ATOMIC_ACQUIRE), 0, 0, 0);
	BARRIER_CHECK(__atomic_store_n(&bv, 1, __ATOMIC_RELAXED), 0, 0, 0);
	BARRIER_CHECK(__atomic_fetch_add(&bv, 1, __ATOMIC_RELAXED), 0, 0, 0);
	BARRIER_CHECK(__atomic_fetch_add(&bv, 1, __ATOMIC_ACQUIRE), 0, 0, 0);
	BARRIER_CHECK(__atomic_thread_fence(__ATOMIC_ACQUIRE), 0, 0, 0);
	/* spin_lock: an acquire in gcc's instrumentation; clang passes seq_cst
	 * for every __sync builtin, which then orders. */
#ifdef __clang__
	BARRIER_CHECK(__sync_lock_test_and_set(&bflag, 1), 1, 1, 1);
#else
	BARRIER_CHECK(__sync_lock_test_and_set(&bflag, 1), 0, 0, 0);
#endif
	BARRIER_CHECK(READ_ONCE(bv), 0, 0, 0);
	BARRIER_CHECK(WRITE_ONCE(bv, 1), 0, 0, 0);
	/* Write barriers order writes and read-writes, read barriers reads and
	 * read-writes. */
	BARRIER_CHECK(smp_wmb(), 0, 1, 1);
	BARRIER_CHECK(kcsan_wmb(), 0, 1, 1);
	BARRIER_CHECK(smp_rmb(), 1, 0, 1);
	BARRIER_CHECK(kcsan_rmb(), 1, 0, 1);
	kcsan_nestable_atomic_end();
}

static noinline_kernel void arm_reorder_access(void)
{
	/* A real access becomes the pending reordered access once watched. */
	for (long i = 0; i < 1000000 && kcsan_selftest_reorder_size() != sizeof(test_var); i++)
		__kcsan_check_access(&test_var, sizeof(test_var), 0);
	EXPECT(kcsan_selftest_reorder_size() == sizeof(test_var), NULL);
}

static __no_kcsan_test void test_barrier_nothreads(void)
{
	REQUIRES(cfg.weak);
	arm_reorder_access();
	barrier_table();
}

/* ===== Driver ===== */

struct test_case {
	const char *name;
	void (*run)(void);
};

#define CASE(name) { #name, name }
static const struct test_case cases[] = {
	CASE(test_barrier_nothreads),
	CASE(test_basic),
	CASE(test_concurrent_races),
	CASE(test_novalue_change),
	CASE(test_novalue_change_exception),
	CASE(test_unknown_origin),
	CASE(test_write_write_assume_atomic),
	CASE(test_write_write_struct),
	CASE(test_write_write_struct_part),
	CASE(test_read_atomic_write_atomic),
	CASE(test_read_plain_atomic_write),
	CASE(test_read_plain_atomic_rmw),
	CASE(test_zero_size_access),
	CASE(test_data_race),
	CASE(test_data_racy_qualifier),
	CASE(test_assert_exclusive_writer),
	CASE(test_assert_exclusive_access),
	CASE(test_assert_exclusive_access_writer),
	CASE(test_assert_exclusive_bits_change),
	CASE(test_assert_exclusive_bits_nochange),
	CASE(test_assert_exclusive_writer_scoped),
	CASE(test_assert_exclusive_access_scoped),
	CASE(test_jiffies_noreport),
	CASE(test_seqlock_noreport),
	CASE(test_atomic_builtins),
	CASE(test_1bit_value_change),
	CASE(test_correct_barrier),
	CASE(test_missing_barrier),
	CASE(test_atomic_builtins_correct_barrier),
	CASE(test_atomic_builtins_missing_barrier),
};

/* The kernel's nthreads_gen_params: 2, 3, 4, 5, 8, 16, 32; capped as the
 * kernel caps them for a preemptible kernel: at the number of CPUs unless
 * interrupt_watcher (a watcher that cannot be interrupted must not starve the
 * others); with it, at twice the CPUs (more threads than that only slow
 * every kernel down on a small machine); and at --max-threads. */
static __no_kcsan_test int thread_counts(int out[8])
{
	static const int params[] = { 2, 3, 4, 5, 8, 16, 32 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n = 0;
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		int t = params[i];
		if (!cfg.interrupt_watcher && t > cpus && n > 0)
			break;
		if (cfg.interrupt_watcher && t > 2 * cpus && n > 0)
			break;
		if (cfg.max_threads && t > cfg.max_threads && n > 0)
			break;
		out[n++] = t;
	}
	return n;
}

static __no_kcsan_test void reset_state(void)
{
	memset(&cap, 0, sizeof(cap));
	test_var = 0;
	test_sink = 0;
	memset(test_array, 0, sizeof(test_array));
	memset(&test_struct, 0, sizeof(test_struct));
	test_data_racy = 0;
	case_failed = 0;
	skip_reason = NULL;
	fail_msg[0] = 0;
}

static __no_kcsan_test int flag_arg(const char *arg, const char *name, long *out)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) || arg[n] != '=')
		return 0;
	char *end;
	*out = strtol(arg + n + 1, &end, 10);
	if (*end || end == arg + n + 1) {
		fprintf(stderr, "kcsan_test: bad value in %s (want a number)\n", arg);
		exit(2);
	}
	return 1;
}

int main(int argc, char **argv)
{
	const struct test_case *tc = NULL;
	int status = 0;

	for (int i = 1; i < argc; i++) {
		long v;
		if (flag_arg(argv[i], "--once-ms", &v)) cfg.once_ms = v;
		else if (flag_arg(argv[i], "--expect-ms", &v)) cfg.expect_ms = v;
		else if (flag_arg(argv[i], "--max-threads", &v)) cfg.max_threads = (int)v;
		else if (flag_arg(argv[i], "--vco", &v)) cfg.vco = (int)v;
		else if (flag_arg(argv[i], "--apwa", &v)) cfg.apwa = (int)v;
		else if (flag_arg(argv[i], "--ignore-atomics", &v)) cfg.ignore_atomics = (int)v;
		else if (flag_arg(argv[i], "--unknown-origin", &v)) cfg.unknown_origin = (int)v;
		else if (flag_arg(argv[i], "--permissive", &v)) cfg.permissive = (int)v;
		else if (flag_arg(argv[i], "--weak", &v)) cfg.weak = (int)v;
		else if (flag_arg(argv[i], "--interrupt-watcher", &v)) cfg.interrupt_watcher = (int)v;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "kcsan_test: unknown option %s\n", argv[i]);
			return 2;
		} else {
			for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
				if (!strcmp(cases[k].name, argv[i]))
					tc = &cases[k];
			if (!tc) {
				fprintf(stderr, "kcsan_test: no case named %s\n", argv[i]);
				return 2;
			}
		}
	}
	if (!tc) {
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
			printf("%s\n", cases[k].name);
		return 0;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = access_thread_timer;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	kcsan_set_report_hook(capture_report, NULL);

	int counts[8], ncounts = 1;
	int nothreads = strstr(tc->name, "nothreads") != NULL;
	if (nothreads)
		counts[0] = 0;
	else
		ncounts = thread_counts(counts);
	int skipped = 0;
	for (int i = 0; i < ncounts; i++) {
		reset_state();
		if (!nothreads)
			start_threads(counts[i]);
		int64_t t0 = now_ms();
		tc->run();
		int64_t took = now_ms() - t0;
		if (!nothreads)
			stop_all_threads();
		if (skip_reason) {
			printf("kcsan_test: %s threads=%d: skip (%s)\n", tc->name, counts[i], skip_reason);
			skipped = 1;
			break;
		}
		printf("kcsan_test: %s threads=%d: %s (%ld ms)\n", tc->name, counts[i],
		       case_failed ? "fail" : "pass", (long)took);
		if (case_failed) {
			status = 1;
			printf("%s", fail_msg);
			printf("    reports seen (%d%s):\n", cap.nseen, cap.nseen == MAX_SEEN ? " or more" : "");
			for (int k = 0; k < cap.nseen; k++)
				printf("      %s\n        %s\n        %s\n", cap.title[k], cap.line1[k],
				       cap.line2[k]);
		}
		fflush(stdout);
	}
	printf("kcsan_test: %s: %s\n", tc->name, status ? "fail" : skipped ? "skip" : "pass");
	return status ? 1 : skipped ? 77 : 0;
}
