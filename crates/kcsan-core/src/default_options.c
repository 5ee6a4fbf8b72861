/* The program may define __kcsan_default_options() to supply options that
 * KCSAN_OPTIONS then overrides (like __tsan_default_options). The reference is
 * weak, so programs that do not define it link and run unchanged. */
extern const char *__kcsan_default_options(void) __attribute__((weak));

const char *kcsan_core_default_options(void)
{
	return __kcsan_default_options ? __kcsan_default_options() : 0;
}
