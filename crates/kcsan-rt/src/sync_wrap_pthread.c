/*
 * Release points inside the C library, for the weak-memory model.
 *
 * With weak_memory=1 a watched plain access stays pending until a barrier
 * orders it. Unlocking a mutex (and the other calls here) is a release, but
 * it happens inside the uninstrumented C library, where kcsan sees no
 * barrier: a correct program would get "(reordered)" reports. `kcsan cc`
 * links executables with -Wl,--wrap for these functions, so the program's
 * own calls (and calls inlined into it from headers, as std::mutex's) land
 * here: release, then call the C library's.
 *
 * The __real_* references are weak: in the Rust route (no --wrap) this file
 * is linked but never called, and must not need the symbols. Static links
 * get no --wrap (a weak reference would not pull the function in).
 * Built with -fno-sanitize=all: the runtime is never instrumented.
 */
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

/* In kcsan-rt (annotate.rs). */
void __kcsan_release(void);

#define WEAK __attribute__((weak))

WEAK int __real_pthread_mutex_unlock(pthread_mutex_t *m);
WEAK int __real_pthread_spin_unlock(pthread_spinlock_t *l);
WEAK int __real_pthread_rwlock_unlock(pthread_rwlock_t *l);
WEAK int __real_sem_post(sem_t *s);
WEAK int __real_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
WEAK int __real_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				       const struct timespec *t);
WEAK int __real_pthread_barrier_wait(pthread_barrier_t *b);
WEAK int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *),
			       void *arg);

/*
 * std::thread's constructor starts the thread inside libstdc++, whose own
 * pthread_create call no --wrap reaches; the constructor's call to
 * std::thread::_M_start_thread(unique_ptr<_State>, void (*)()) is inline in
 * the program, so it is wrapped instead. (The unique_ptr is passed by
 * invisible reference: three pointers.)
 */
#define START_THREAD _ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE
#define REAL(s) REAL_(s)
#define REAL_(s) __real_##s
#define WRAP(s) WRAP_(s)
#define WRAP_(s) __wrap_##s
WEAK void REAL(START_THREAD)(void *self, void *state, void (*depend)(void));
void WRAP(START_THREAD)(void *self, void *state, void (*depend)(void))
{
	__kcsan_release();
	REAL(START_THREAD)(self, state, depend);
}

/* A new thread sees everything its creator wrote before creating it. */
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	__kcsan_release();
	return __real_pthread_create(t, a, fn, arg);
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
	__kcsan_release();
	return __real_pthread_mutex_unlock(m);
}

int __wrap_pthread_spin_unlock(pthread_spinlock_t *l)
{
	__kcsan_release();
	return __real_pthread_spin_unlock(l);
}

int __wrap_pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	__kcsan_release();
	return __real_pthread_rwlock_unlock(l);
}

int __wrap_sem_post(sem_t *s)
{
	__kcsan_release();
	return __real_sem_post(s);
}

/* Waiting on a condition variable unlocks its mutex. */
int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	__kcsan_release();
	return __real_pthread_cond_wait(c, m);
}

int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
	__kcsan_release();
	return __real_pthread_cond_timedwait(c, m, t);
}

int __wrap_pthread_barrier_wait(pthread_barrier_t *b)
{
	__kcsan_release();
	return __real_pthread_barrier_wait(b);
}
