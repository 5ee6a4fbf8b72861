/*
 * memcpy, memmove and memset calls of gcc-built code, checked.
 *
 * clang turns these calls into __tsan_memcpy and friends; gcc leaves them as
 * plain libc calls (libtsan catches them with interceptors). `kcsan cc` links
 * executables with -Wl,--wrap=memcpy,--wrap=memmove,--wrap=memset, so the
 * program's own calls land here: check, then call libc's (__real_*). Nothing
 * else in the process is affected, and static links work.
 *
 * This is C because the wrappers must reference __real_*, which exist only
 * when the linker wraps: as a separate archive member, this object is linked
 * only then. Built with -fno-sanitize=all: the runtime is never instrumented.
 */
#include <stddef.h>

void *__real_memcpy(void *d, const void *s, size_t n);
void *__real_memmove(void *d, const void *s, size_t n);
void *__real_memset(void *d, int c, size_t n);

/* In kcsan-rt (intercept.rs). */
void kcsan_rt_check_copy(void *d, const void *s, size_t n);
void kcsan_rt_check_set(void *d, size_t n);

void *__wrap_memcpy(void *d, const void *s, size_t n)
{
	kcsan_rt_check_copy(d, s, n);
	return __real_memcpy(d, s, n);
}

void *__wrap_memmove(void *d, const void *s, size_t n)
{
	kcsan_rt_check_copy(d, s, n);
	return __real_memmove(d, s, n);
}

void *__wrap_memset(void *d, int c, size_t n)
{
	kcsan_rt_check_set(d, n);
	return __real_memset(d, c, n);
}
