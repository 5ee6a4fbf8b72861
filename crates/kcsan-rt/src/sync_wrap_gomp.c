/*
 * Release points inside libgomp (OpenMP), for the weak-memory model: the
 * start of a parallel region (the team sees what the thread wrote before
 * it), an explicit barrier, the end of a critical section or of an atomic region
 * emulated with a lock, unsetting an OpenMP lock, creating and waiting for
 * tasks. See
 * sync_wrap_pthread.c; this is a separate file so that only programs that
 * use OpenMP link it (a member of the runtime archive is pulled in only
 * when one of its symbols is needed).
 */

#include <stdbool.h>

/* In kcsan-rt (annotate.rs). */
void __kcsan_release(void);

#define WEAK __attribute__((weak))

WEAK void __real_GOMP_barrier(void);
WEAK void __real_GOMP_critical_end(void);
WEAK void __real_GOMP_critical_name_end(void **name);
WEAK void __real_GOMP_atomic_end(void);
WEAK void __real_GOMP_taskwait(void);
WEAK void __real_GOMP_taskgroup_end(void);
WEAK void __real_GOMP_ordered_end(void);
WEAK void __real_omp_unset_lock(void *lock);
WEAK void __real_omp_unset_nest_lock(void *lock);
WEAK void __real_GOMP_task(void (*fn)(void *), void *data, void (*cpyfn)(void *, void *),
			   long arg_size, long arg_align, bool if_clause, unsigned flags,
			   void **depend, int priority, void *detach);
WEAK void __real_GOMP_taskloop(void (*fn)(void *), void *data, void (*cpyfn)(void *, void *),
			       long arg_size, long arg_align, unsigned flags,
			       unsigned long num_tasks, int priority, long start, long end,
			       long step);
WEAK void __real_GOMP_taskloop_ull(void (*fn)(void *), void *data,
				   void (*cpyfn)(void *, void *), long arg_size, long arg_align,
				   unsigned flags, unsigned long num_tasks, int priority,
				   unsigned long long start, unsigned long long end,
				   unsigned long long step);

typedef void (*gomp_fn)(void *);

WEAK void __real_GOMP_parallel(gomp_fn fn, void *data, unsigned n, unsigned flags);
WEAK unsigned __real_GOMP_parallel_reductions(gomp_fn fn, void *data, unsigned n, unsigned flags);
WEAK void __real_GOMP_parallel_sections(gomp_fn fn, void *data, unsigned n, unsigned count,
					unsigned flags);

void __wrap_GOMP_parallel(gomp_fn fn, void *data, unsigned n, unsigned flags)
{
	__kcsan_release();
	__real_GOMP_parallel(fn, data, n, flags);
}

unsigned __wrap_GOMP_parallel_reductions(gomp_fn fn, void *data, unsigned n, unsigned flags)
{
	__kcsan_release();
	return __real_GOMP_parallel_reductions(fn, data, n, flags);
}

void __wrap_GOMP_parallel_sections(gomp_fn fn, void *data, unsigned n, unsigned count,
				   unsigned flags)
{
	__kcsan_release();
	__real_GOMP_parallel_sections(fn, data, n, count, flags);
}

/* The combined parallel loops, with a chunk size... */
#define PARALLEL_LOOP(kind)                                                                    \
	WEAK void __real_GOMP_parallel_loop_##kind(gomp_fn fn, void *data, unsigned n, long start, \
						   long end, long incr, long chunk, unsigned flags); \
	void __wrap_GOMP_parallel_loop_##kind(gomp_fn fn, void *data, unsigned n, long start,      \
					      long end, long incr, long chunk, unsigned flags)      \
	{                                                                                          \
		__kcsan_release();                                                                 \
		__real_GOMP_parallel_loop_##kind(fn, data, n, start, end, incr, chunk, flags);    \
	}
PARALLEL_LOOP(static)
PARALLEL_LOOP(dynamic)
PARALLEL_LOOP(guided)
PARALLEL_LOOP(nonmonotonic_dynamic)
PARALLEL_LOOP(nonmonotonic_guided)

/* ... and without (the schedule comes from OMP_SCHEDULE). */
#define PARALLEL_LOOP_RUNTIME(kind)                                                            \
	WEAK void __real_GOMP_parallel_loop_##kind(gomp_fn fn, void *data, unsigned n, long start, \
						   long end, long incr, unsigned flags);             \
	void __wrap_GOMP_parallel_loop_##kind(gomp_fn fn, void *data, unsigned n, long start,      \
					      long end, long incr, unsigned flags)                  \
	{                                                                                          \
		__kcsan_release();                                                                 \
		__real_GOMP_parallel_loop_##kind(fn, data, n, start, end, incr, flags);           \
	}
PARALLEL_LOOP_RUNTIME(runtime)
PARALLEL_LOOP_RUNTIME(nonmonotonic_runtime)
PARALLEL_LOOP_RUNTIME(maybe_nonmonotonic_runtime)

WEAK void __real_GOMP_loop_end(void);
WEAK bool __real_GOMP_loop_end_cancel(void);
WEAK void __real_GOMP_sections_end(void);
WEAK bool __real_GOMP_sections_end_cancel(void);
WEAK bool __real_GOMP_barrier_cancel(void);

/* The end of a worksharing loop or sections construct without nowait: a
 * barrier. */
void __wrap_GOMP_loop_end(void)
{
	__kcsan_release();
	__real_GOMP_loop_end();
}

bool __wrap_GOMP_loop_end_cancel(void)
{
	__kcsan_release();
	return __real_GOMP_loop_end_cancel();
}

void __wrap_GOMP_sections_end(void)
{
	__kcsan_release();
	__real_GOMP_sections_end();
}

bool __wrap_GOMP_sections_end_cancel(void)
{
	__kcsan_release();
	return __real_GOMP_sections_end_cancel();
}

bool __wrap_GOMP_barrier_cancel(void)
{
	__kcsan_release();
	return __real_GOMP_barrier_cancel();
}

void __wrap_GOMP_barrier(void)
{
	__kcsan_release();
	__real_GOMP_barrier();
}

void __wrap_GOMP_critical_end(void)
{
	__kcsan_release();
	__real_GOMP_critical_end();
}

void __wrap_GOMP_critical_name_end(void **name)
{
	__kcsan_release();
	__real_GOMP_critical_name_end(name);
}

void __wrap_GOMP_atomic_end(void)
{
	__kcsan_release();
	__real_GOMP_atomic_end();
}

void __wrap_GOMP_taskwait(void)
{
	__kcsan_release();
	__real_GOMP_taskwait();
}

void __wrap_GOMP_taskgroup_end(void)
{
	__kcsan_release();
	__real_GOMP_taskgroup_end();
}

void __wrap_GOMP_ordered_end(void)
{
	__kcsan_release();
	__real_GOMP_ordered_end();
}

void __wrap_omp_unset_lock(void *lock)
{
	__kcsan_release();
	__real_omp_unset_lock(lock);
}

void __wrap_omp_unset_nest_lock(void *lock)
{
	__kcsan_release();
	__real_omp_unset_nest_lock(lock);
}

/* Creating a task publishes what the creating thread wrote before it (the
 * task, and with `depend` clauses its successors, may run on any thread).
 * GCC 12's signatures (libgomp's GOMP_5.0.1 GOMP_task takes `detach`). */
void __wrap_GOMP_task(void (*fn)(void *), void *data, void (*cpyfn)(void *, void *),
		      long arg_size, long arg_align, bool if_clause, unsigned flags,
		      void **depend, int priority, void *detach)
{
	__kcsan_release();
	__real_GOMP_task(fn, data, cpyfn, arg_size, arg_align, if_clause, flags, depend,
			 priority, detach);
}

void __wrap_GOMP_taskloop(void (*fn)(void *), void *data, void (*cpyfn)(void *, void *),
			  long arg_size, long arg_align, unsigned flags, unsigned long num_tasks,
			  int priority, long start, long end, long step)
{
	__kcsan_release();
	__real_GOMP_taskloop(fn, data, cpyfn, arg_size, arg_align, flags, num_tasks, priority,
			     start, end, step);
}

void __wrap_GOMP_taskloop_ull(void (*fn)(void *), void *data, void (*cpyfn)(void *, void *),
			      long arg_size, long arg_align, unsigned flags,
			      unsigned long num_tasks, int priority, unsigned long long start,
			      unsigned long long end, unsigned long long step)
{
	__kcsan_release();
	__real_GOMP_taskloop_ull(fn, data, cpyfn, arg_size, arg_align, flags, num_tasks,
				 priority, start, end, step);
}
