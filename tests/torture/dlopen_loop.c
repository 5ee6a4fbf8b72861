// SPDX-License-Identifier: MIT OR Apache-2.0
// dlopen_loop.c - a library built with kcsan races in two threads, and is
// loaded and unloaded again and again, alternately from two paths (so it is
// mapped anew, often at another address): reports keep naming the
// library's functions and lines, and nothing the symbolizer remembers of an
// unloaded copy is used after dlclose (a crash or a wrong name would be).
//
// RUN: %kcsan_cc -O2 -g -fPIC -shared -DRACY_LIB %s -o %T/libracy1.so && cp %T/libracy1.so %T/libracy2.so
// RUN: %kcsan_cc -O2 -g %s -o %t -pthread -ldl && %run %t %T/libracy1.so %T/libracy2.so
// OPTIONS: skip_watch=20:report_once_in_ms=0
// EXPECT: {{^}}BUG: KCSAN: data-race in {{(lib_read / lib_write|lib_write / lib_read)}}{{$}}
// EXPECT: {{^}} lib_{{(read|write)}}+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}dlopen_loop.c:{{[0-9]+}}{{$}}
// STDOUT: dlopen_loop: 40 loads
// STDOUT: dlopen_loop: done
// TIMEOUT: 60

#ifdef RACY_LIB

long lib_counter;
static volatile long lib_sink;

__attribute__((noinline)) void lib_write(long i)
{
	lib_counter = i;
}

__attribute__((noinline)) void lib_read(long i)
{
	(void)i;
	lib_sink = lib_counter;
}

#else

#include <dlfcn.h>

#include "../c/scenario.h"

typedef void (*lib_fn)(long);

struct job {
	lib_fn fn;
	struct scenario_deadline dl;
};

static void *run(void *arg)
{
	struct job *j = (struct job *)arg;
	for (long i = 0; !scenario_expired(&j->dl, i); i++)
		j->fn(i);
	return NULL;
}

int main(int argc, char **argv)
{
	int loads = 0;

	if (argc < 3)
		return 2;
	for (int round = 0; round < 40; round++) {
		void *h = dlopen(argv[1 + round % 2], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			printf("dlopen_loop: %s\n", dlerror());
			return 1;
		}
		struct job w = { (lib_fn)dlsym(h, "lib_write"), scenario_deadline_in(15) };
		struct job r = { (lib_fn)dlsym(h, "lib_read"), w.dl };
		pthread_t t[2];
		scenario_spawn(&t[0], run, &w);
		scenario_spawn(&t[1], run, &r);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		dlclose(h);
		loads++;
	}
	printf("dlopen_loop: %d loads\n", loads);
	printf("dlopen_loop: done\n");
	return 0;
}

#endif
