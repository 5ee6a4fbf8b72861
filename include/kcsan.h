/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * kcsan.h - KCSAN's annotation API for user-space C and C++ programs.
 *
 * The kernel's <linux/kcsan-checks.h> and data_race()/READ_ONCE()/WRITE_ONCE(),
 * for programs built with `kcsan cc` / `kcsan c++` and linked with the kcsan
 * runtime. The wrappers define KCSAN_ENABLED at compile steps; without it
 * every annotation compiles to nothing (READ_ONCE/WRITE_ONCE stay volatile
 * accesses, which is what they mean), so annotated code builds everywhere.
 *
 * Vocabulary: a *plain* access is an ordinary C access; a *marked* access is
 * an atomic, a volatile access, READ_ONCE or WRITE_ONCE. A data race is two
 * conflicting concurrent accesses of which at least one is plain.
 */
#ifndef KCSAN_H
#define KCSAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Access types (KCSAN_ACCESS_*), for __kcsan_check_access(). */
#define KCSAN_ACCESS_WRITE    (1 << 0) /* write; absent: read */
#define KCSAN_ACCESS_COMPOUND (1 << 1) /* read-modify-write, with WRITE */
#define KCSAN_ACCESS_ATOMIC   (1 << 2) /* marked access */
#define KCSAN_ACCESS_ASSERT   (1 << 3) /* assertion, not a real access */
#define KCSAN_ACCESS_SCOPED   (1 << 4) /* scoped access */

/**
 * __no_kcsan - function attribute: do not instrument this function.
 *
 * Accesses in the function are invisible to KCSAN (a racing write from it can
 * still show up as a race of unknown origin). Clang needs
 * disable_sanitizer_instrumentation too, or it keeps instrumenting atomics.
 */
#if defined(__clang__) && defined(__has_attribute)
#if __has_attribute(disable_sanitizer_instrumentation)
#define __no_kcsan __attribute__((no_sanitize("thread"), disable_sanitizer_instrumentation))
#else
#define __no_kcsan __attribute__((no_sanitize("thread")))
#endif
#else
#define __no_kcsan __attribute__((no_sanitize_thread))
#endif

/* READ_ONCE / WRITE_ONCE: marked accesses (volatile), in every build. */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)                                                     \
	do {                                                                   \
		*(volatile __typeof__(x) *)&(x) = (val);                       \
	} while (0)

/* ===== Reports as values: the report hook ===== */

/* One frame of a reported stack. */
struct kcsan_report_frame {
	uintptr_t pc;         /* return address (or exact pc) */
	const char *function; /* demangled; "" if unknown */
	const char *file;     /* source file; "" if unknown */
	int line;             /* source line; 0 if unknown */
	int inlined;          /* 1: inlined into the next frame */
};

/* One side of a reported race. */
struct kcsan_report_access {
	const void *addr;
	size_t size;
	int type;                /* KCSAN_ACCESS_* bits, as checked */
	int tid;
	int in_interrupt;        /* 1: made in a signal handler ("interrupt") */
	int cpu;
	const char *comm;        /* the thread's name */
	const char *description; /* "read", "write (marked)", ... as printed */
	const struct kcsan_report_frame *frames; /* runtime frames removed; [0] is the top */
	size_t nframes;
};

/* A report, as the hook receives it. */
struct kcsan_report {
	const char *bug_type;    /* "data-race" or "assert: race" */
	const char *title;       /* as the report's "BUG: KCSAN: " line shows it */
	struct kcsan_report_access this_access;  /* the watcher's access */
	const struct kcsan_report_access *other; /* the racer's; NULL: unknown origin */
	int value_changed;       /* 1: old_value and new_value are valid */
	unsigned long long old_value, new_value;
	unsigned long long access_mask; /* ASSERT_EXCLUSIVE_BITS mask, 0 if none */
	const char *text;        /* the whole report, in the configured report_format */
};

/* A report hook's verdicts. */
#define KCSAN_REPORT_PRINT    0 /* print and count the report as usual */
#define KCSAN_REPORT_CONSUMED 1 /* taken over: not printed, not counted (exitcode) */

/*
 * A report hook receives every report that passed the value-change rule, the
 * filter list, suppressions and rate limiting: exactly the reports that would
 * be printed. It runs on the watcher's thread, inside the runtime (its own
 * accesses are not checked) and with the report lock held: keep it short and
 * never wait for another thread. The pointers are valid during the call only.
 */
typedef int (*kcsan_report_hook_t)(const struct kcsan_report *report, void *arg);

#ifdef KCSAN_ENABLED

/* ===== The runtime's C API (libkcsan_rt) ===== */

/** __kcsan_check_access - check an access of @size bytes at @ptr of @type. */
void __kcsan_check_access(const volatile void *ptr, size_t size, int type);
/** kcsan_disable_current - stop checking on this thread; nests. */
void kcsan_disable_current(void);
/** kcsan_enable_current - undo one kcsan_disable_current(); warns if unbalanced. */
void kcsan_enable_current(void);
/** kcsan_enable_current_nowarn - as kcsan_enable_current(), silently. */
void kcsan_enable_current_nowarn(void);
/** kcsan_nestable_atomic_begin - plain accesses count as marked until _end; nests. */
void kcsan_nestable_atomic_begin(void);
/** kcsan_nestable_atomic_end - leave a nestable atomic region. */
void kcsan_nestable_atomic_end(void);
/** kcsan_flat_atomic_begin - as the nestable form, but does not nest. */
void kcsan_flat_atomic_begin(void);
/** kcsan_flat_atomic_end - leave the flat atomic region. */
void kcsan_flat_atomic_end(void);
/** kcsan_atomic_next - treat this thread's next @n plain accesses as marked. */
void kcsan_atomic_next(int n);
/**
 * kcsan_set_access_mask - only changes to bits in @mask count for this
 * thread's watchpoints (0: no mask). Used by ASSERT_EXCLUSIVE_BITS().
 */
void kcsan_set_access_mask(unsigned long mask);
/**
 * kcsan_set_report_hook - receive reports as values (see kcsan_report_hook_t);
 * @hook NULL removes it. Test harnesses use it instead of scraping stderr.
 */
void kcsan_set_report_hook(kcsan_report_hook_t hook, void *arg);

/* Explicit checks: tell KCSAN about accesses it cannot see (e.g. in asm). */
#define kcsan_check_access(ptr, size, type) __kcsan_check_access((ptr), (size), (type))
#define kcsan_check_read(ptr, size) kcsan_check_access((ptr), (size), 0)
#define kcsan_check_write(ptr, size) kcsan_check_access((ptr), (size), KCSAN_ACCESS_WRITE)
#define kcsan_check_read_write(ptr, size)                                      \
	kcsan_check_access((ptr), (size), KCSAN_ACCESS_COMPOUND | KCSAN_ACCESS_WRITE)
#define kcsan_check_atomic_read(ptr, size) kcsan_check_access((ptr), (size), KCSAN_ACCESS_ATOMIC)
#define kcsan_check_atomic_write(ptr, size)                                    \
	kcsan_check_access((ptr), (size), KCSAN_ACCESS_ATOMIC | KCSAN_ACCESS_WRITE)
#define kcsan_check_atomic_read_write(ptr, size)                               \
	kcsan_check_access((ptr), (size),                                      \
			   KCSAN_ACCESS_ATOMIC | KCSAN_ACCESS_WRITE | KCSAN_ACCESS_COMPOUND)

/**
 * data_race - mark an expression as intentionally racy: accesses in @expr are
 * not reported. Evaluates @expr once and yields its value.
 *
 *	if (data_race(nr_threads >= max_threads))
 *		goto bad_fork;
 *
 * Use it for diagnostics and statistics where a stale value is fine; fix real
 * races with locks or atomics instead of hiding them.
 */
#ifdef __cplusplus
#define data_race(expr)                                                        \
	__extension__({                                                        \
		__kcsan_disable_current();                                     \
		auto __kcsan_v = (expr);                                       \
		__kcsan_enable_current();                                      \
		__kcsan_v;                                                     \
	})
#else
#define data_race(expr)                                                        \
	__extension__({                                                        \
		__kcsan_disable_current();                                     \
		__auto_type __kcsan_v = (expr);                                \
		__kcsan_enable_current();                                      \
		__kcsan_v;                                                     \
	})
#endif

/**
 * ASSERT_EXCLUSIVE_WRITER - assert that no other thread writes @var now.
 *
 * Concurrent readers are fine; any concurrent writer, even a marked one, is
 * reported as "assert: race". Use it where a design says "only the owner
 * writes this", e.g. a field updated only under a lock but read locklessly:
 *
 *	spin_lock(&update_foo_lock);
 *	ASSERT_EXCLUSIVE_WRITER(shared_foo);
 *	WRITE_ONCE(shared_foo, new);
 *	spin_unlock(&update_foo_lock);
 */
#define ASSERT_EXCLUSIVE_WRITER(var)                                           \
	__kcsan_check_access(&(var), sizeof(var), KCSAN_ACCESS_ASSERT)

/**
 * ASSERT_EXCLUSIVE_ACCESS - assert that no other thread reads or writes @var
 * now (for example, in a destructor that must be the last user).
 */
#define ASSERT_EXCLUSIVE_ACCESS(var)                                           \
	__kcsan_check_access(&(var), sizeof(var), KCSAN_ACCESS_WRITE | KCSAN_ACCESS_ASSERT)

/**
 * ASSERT_EXCLUSIVE_BITS - assert that no other thread writes the bits of @mask
 * in @var; other bits may change concurrently. The next access to @var (which
 * reads only the masked bits) is treated as marked:
 *
 *	ASSERT_EXCLUSIVE_BITS(flags, READ_ONLY_MASK);
 *	foo = (READ_ONCE(flags) & READ_ONLY_MASK) >> READ_ONLY_SHIFT;
 */
#define ASSERT_EXCLUSIVE_BITS(var, mask)                                       \
	do {                                                                   \
		kcsan_set_access_mask(mask);                                   \
		__kcsan_check_access(&(var), sizeof(var), KCSAN_ACCESS_ASSERT); \
		kcsan_set_access_mask(0);                                      \
		kcsan_atomic_next(1);                                          \
	} while (0)

#else /* !KCSAN_ENABLED: everything compiles to nothing. */

static inline void __kcsan_check_access(const volatile void *ptr, size_t size, int type)
{
	(void)ptr; (void)size; (void)type;
}
static inline void kcsan_disable_current(void) { }
static inline void kcsan_enable_current(void) { }
static inline void kcsan_enable_current_nowarn(void) { }
static inline void kcsan_nestable_atomic_begin(void) { }
static inline void kcsan_nestable_atomic_end(void) { }
static inline void kcsan_flat_atomic_begin(void) { }
static inline void kcsan_flat_atomic_end(void) { }
static inline void kcsan_atomic_next(int n) { (void)n; }
static inline void kcsan_set_access_mask(unsigned long mask) { (void)mask; }
static inline void kcsan_set_report_hook(kcsan_report_hook_t hook, void *arg)
{
	(void)hook; (void)arg;
}

#define kcsan_check_access(ptr, size, type) ((void)(ptr), (void)(size), (void)(type))
#define kcsan_check_read(ptr, size) kcsan_check_access(ptr, size, 0)
#define kcsan_check_write(ptr, size) kcsan_check_access(ptr, size, 0)
#define kcsan_check_read_write(ptr, size) kcsan_check_access(ptr, size, 0)
#define kcsan_check_atomic_read(ptr, size) kcsan_check_access(ptr, size, 0)
#define kcsan_check_atomic_write(ptr, size) kcsan_check_access(ptr, size, 0)
#define kcsan_check_atomic_read_write(ptr, size) kcsan_check_access(ptr, size, 0)
#define data_race(expr) (expr)
#define ASSERT_EXCLUSIVE_WRITER(var) ((void)sizeof(var))
#define ASSERT_EXCLUSIVE_ACCESS(var) ((void)sizeof(var))
#define ASSERT_EXCLUSIVE_BITS(var, mask) ((void)sizeof(var), (void)(mask))

#endif /* KCSAN_ENABLED */

/* The kernel's names for the pair data_race() uses. */
#define __kcsan_disable_current kcsan_disable_current
#define __kcsan_enable_current kcsan_enable_current_nowarn

#ifdef __cplusplus
}
#endif

#endif /* KCSAN_H */
