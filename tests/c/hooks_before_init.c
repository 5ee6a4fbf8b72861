// SPDX-License-Identifier: MIT OR Apache-2.0
// hooks_before_init.c - instrumented code that runs before the program's own
// constructors. The same file is built twice:
//  - as an instrumented shared library (`kcsan cc -shared -fPIC`, no runtime
//    of its own: its hooks resolve to the executable's) whose constructor
//    does thousands of instrumented plain, atomic and bulk accesses; shared
//    libraries' constructors run before the executable's;
//  - as the executable, which also does instrumented accesses from a
//    .preinit_array function: that runs before ANY constructor, so before
//    every __tsan_init call (the runtime must initialise lazily).
// The program must run normally, in order, and still detect a race later:
// the writer side lives in the library (its frames must be symbolized from
// the .so), the reader in the executable.
//
// RUN: %kcsan_cc -O2 -g -shared -fPIC -DSCENARIO_LIB %s -o %T/libearly.so
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread -L%T -learly -Wl,-rpath,%T && %run %t
// STDOUT: {{^}}main: preinit ran first, accesses {{[1-9][0-9]*}}{{$}}
// STDOUT: {{^}}main: library constructor ran before the executable's, accesses {{[1-9][0-9]*}}{{$}}
// STDOUT: {{^}}hooks_before_init: done{{$}}
// EXPECT: {{^}}BUG: KCSAN: data-race in lib_writer / reader{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} lib_writer+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}hooks_before_init.c:[[write]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} reader+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}hooks_before_init.c:[[read]]{{$}}
// NEVER: kcsan: error
// NEVER: kcsan: warning

#include <string.h>

#include "scenario.h"

#ifdef SCENARIO_LIB
/* ===== The shared library ===== */

long lib_ctor_accesses;
int lib_ctor_ran_before_exe;
int exe_ctor_ran; /* set by the executable's constructor */
long lib_shared;

static long lib_table[64];
static char lib_bytes[256];

__attribute__((constructor)) static void lib_init(void)
{
	char copy[256];
	long n = 0;

	lib_ctor_ran_before_exe = !__atomic_load_n(&exe_ctor_ran, __ATOMIC_RELAXED);
	for (long i = 0; i < 200000; i++) {
		lib_table[i & 63] += i; /* plain read-modify-write */
		n += lib_table[(i * 7) & 63];
		if ((i & 1023) == 0) {
			__atomic_fetch_add(&lib_ctor_accesses, 1, __ATOMIC_RELAXED);
			memset(lib_bytes, (int)i, sizeof(lib_bytes));
			memcpy(copy, lib_bytes, sizeof(copy));
			n += copy[i & 255];
		}
	}
	lib_ctor_accesses += n != 0 ? 200000 : 1;
}

void *lib_writer(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(*(int64_t *)arg);
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		lib_shared = i; // [[@write]]
		barrier();
	}
	return NULL;
}

#else
/* ===== The executable ===== */

extern long lib_ctor_accesses;
extern int lib_ctor_ran_before_exe;
extern int exe_ctor_ran;
extern long lib_shared;
void *lib_writer(void *arg);

static long early_table[64];
static long early_accesses;
static int preinit_ran_first;

static void early(void)
{
	/* Nothing has called __tsan_init yet: no constructor has run. */
	preinit_ran_first = lib_ctor_accesses == 0 && !exe_ctor_ran;
	for (long i = 0; i < 100000; i++) {
		early_table[i & 63] += i;
		early_accesses++;
	}
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit_hook)(void) = early;

__attribute__((constructor)) static void exe_init(void)
{
	__atomic_store_n(&exe_ctor_ran, 1, __ATOMIC_RELAXED);
}

static int64_t budget_ms;
static volatile long sink;

void *reader(void *arg)
{
	struct scenario_deadline dl = scenario_deadline_in(budget_ms);
	long sum = 0;
	(void)arg;
	for (long i = 0; !scenario_expired(&dl, i); i++) {
		sum += lib_shared; // [[@read]]
		barrier();
	}
	sink = sum;
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	setvbuf(stdout, NULL, _IONBF, 0);
	if (preinit_ran_first)
		printf("main: preinit ran first, accesses %ld\n", early_accesses);
	if (lib_ctor_ran_before_exe)
		printf("main: library constructor ran before the executable's, accesses %ld\n",
		       lib_ctor_accesses);
	budget_ms = scenario_budget_ms(300);
	scenario_spawn(&t[0], lib_writer, &budget_ms);
	scenario_spawn(&t[1], reader, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("hooks_before_init: done\n");
	return 0;
}
#endif
