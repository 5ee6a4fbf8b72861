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

/**
 * struct kcsan_scoped_access - one scoped access (ASSERT_EXCLUSIVE_*_SCOPED):
 * lives in the frame of the scope that checks it; the runtime links it into
 * the thread's list. Its fields belong to the runtime.
 */
struct kcsan_scoped_access {
	struct kcsan_scoped_access *next;
	const volatile void *ptr;
	size_t size;
	int type;
	unsigned long ip;
};

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

/*
 * The C API's ABI: code that includes this header needs a runtime with the
 * same one. Linked (or loaded) with a runtime of another ABI, it fails with
 * the ABI's name in the message, "undefined reference to
 * `__kcsan_runtime_abi_1'", rather than misbehaving.
 */
extern const char __kcsan_runtime_abi_1;
__attribute__((used, unused)) static const char *const __kcsan_abi_check = &__kcsan_runtime_abi_1;

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

/**
 * kcsan_begin_scoped_access - check the access (@ptr, @size, @type) now and
 * on every access this thread makes until kcsan_end_scoped_access(@sa);
 * reports point at the caller. @sa must stay valid until then. Returns @sa.
 * Prefer ASSERT_EXCLUSIVE_WRITER_SCOPED / ASSERT_EXCLUSIVE_ACCESS_SCOPED.
 */
struct kcsan_scoped_access *kcsan_begin_scoped_access(const volatile void *ptr, size_t size,
						       int type, struct kcsan_scoped_access *sa);
/** kcsan_end_scoped_access - end a scoped access; checks it a last time. */
void kcsan_end_scoped_access(struct kcsan_scoped_access *sa);

/* Weak-memory barrier hooks (the kernel's __kcsan_mb() and friends). */
void __kcsan_mb(void);
void __kcsan_wmb(void);
void __kcsan_rmb(void);
void __kcsan_release(void);

/*
 * For tests of the weak-memory model (kcsan_test): the size of this thread's
 * pending reordered access (0: none), and setting it directly.
 */
size_t kcsan_selftest_reorder_size(void);
void kcsan_selftest_set_reorder(const volatile void *ptr, size_t size, int type);

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

/*
 * Scoped assertions: the assertion holds for the whole enclosing scope. The
 * variable is checked at the start of the scope, on every access the thread
 * makes inside it (including in the functions it calls) and at its end;
 * reports point at the start of the scope ("assert no writes (reordered)",
 * with a "reordered to:" line showing where the conflict was seen).
 */
#define __kcsan_scoped_name(c, suffix) __kcsan_scoped_##c##suffix
#define __kcsan_scoped_name2(c, suffix) __kcsan_scoped_name(c, suffix)
#define __ASSERT_EXCLUSIVE_SCOPED(var, type, id)                               \
	struct kcsan_scoped_access __kcsan_scoped_name2(id, _)                 \
		__attribute__((__cleanup__(kcsan_end_scoped_access), __unused__)); \
	struct kcsan_scoped_access *__kcsan_scoped_name2(id, _dummy_p)         \
		__attribute__((__unused__)) = kcsan_begin_scoped_access(       \
			&(var), sizeof(var), KCSAN_ACCESS_SCOPED | (type),     \
			&__kcsan_scoped_name2(id, _))

/**
 * ASSERT_EXCLUSIVE_WRITER_SCOPED - ASSERT_EXCLUSIVE_WRITER(@var) for the rest
 * of the enclosing scope: no other thread may write @var while it is open.
 *
 *	{
 *		ASSERT_EXCLUSIVE_WRITER_SCOPED(owner_state);
 *		update_owner_state();	// checked here too
 *	}
 */
#define ASSERT_EXCLUSIVE_WRITER_SCOPED(var)                                    \
	__ASSERT_EXCLUSIVE_SCOPED(var, KCSAN_ACCESS_ASSERT, __COUNTER__)

/** ASSERT_EXCLUSIVE_ACCESS_SCOPED - ASSERT_EXCLUSIVE_ACCESS(@var) for the scope. */
#define ASSERT_EXCLUSIVE_ACCESS_SCOPED(var)                                    \
	__ASSERT_EXCLUSIVE_SCOPED(var, KCSAN_ACCESS_WRITE | KCSAN_ACCESS_ASSERT, __COUNTER__)

/*
 * Barrier hooks for the weak-memory model (weak_memory=1): signal fences that
 * the instrumentation turns into calls to the runtime, as in the kernel, so
 * __no_kcsan functions drop them with the rest of their instrumentation.
 */
#define kcsan_mb() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define kcsan_wmb() __atomic_signal_fence(__ATOMIC_ACQ_REL)
#define kcsan_rmb() __atomic_signal_fence(__ATOMIC_ACQUIRE)
#define kcsan_release() __atomic_signal_fence(__ATOMIC_RELEASE)

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
#define ASSERT_EXCLUSIVE_WRITER_SCOPED(var) ((void)sizeof(var))
#define ASSERT_EXCLUSIVE_ACCESS_SCOPED(var) ((void)sizeof(var))
#define kcsan_mb() do { } while (0)
#define kcsan_wmb() do { } while (0)
#define kcsan_rmb() do { } while (0)
#define kcsan_release() do { } while (0)

#endif /* KCSAN_ENABLED */

/*
 * The kernel's memory barriers, for code ported from it: the real barrier
 * (or, on x86-64, where the hardware already orders what they order, a
 * compiler barrier) plus the weak-memory hook. smp_store_release() and
 * smp_load_acquire() take a pointer, as in the kernel.
 */
#if defined(__x86_64__) || defined(__i386__)
#define __kcsan_hw_wmb() __asm__ __volatile__("" ::: "memory")
#define __kcsan_hw_rmb() __asm__ __volatile__("" ::: "memory")
#else
#define __kcsan_hw_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define __kcsan_hw_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif
#define smp_mb()                                                               \
	do {                                                                   \
		kcsan_mb();                                                    \
		__atomic_thread_fence(__ATOMIC_SEQ_CST);                       \
	} while (0)
#define smp_wmb()                                                              \
	do {                                                                   \
		kcsan_wmb();                                                   \
		__kcsan_hw_wmb();                                              \
	} while (0)
#define smp_rmb()                                                              \
	do {                                                                   \
		kcsan_rmb();                                                   \
		__kcsan_hw_rmb();                                              \
	} while (0)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

/* The kernel's names for the pair data_race() uses. */
#define __kcsan_disable_current kcsan_disable_current
#define __kcsan_enable_current kcsan_enable_current_nowarn

#ifdef __cplusplus
}
#endif

#endif /* KCSAN_H */
