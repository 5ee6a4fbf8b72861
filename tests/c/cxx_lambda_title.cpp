// SPDX-License-Identifier: MIT OR Apache-2.0
// cxx_lambda_title.cpp - two std::threads run the same lambda, which bumps a
// global with no lock. clang inlines the lambda into libstdc++'s
// std::thread::_State_impl<...>::_M_run(), so the function that holds the
// racing instruction is the library's; the title names the program's own
// code inlined there (the lambda), as the user wrote it, not _M_run().
// (gcc's DWARF gives inlined lambdas a short name and leaves some pcs of
// _M_run without inline ranges, so the check is for clang.)
//
// COMPILERS: clang
// RUN: %kcsan_cxx -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in main::$_0::operator()() const / main::$_0::operator()() const{{$}}
// EXPECT: {{^}} main::$_0::operator()() const {{.*}}cxx_lambda_title.cpp:[[bump]] [inline]{{$}}
// STDOUT: cxx_lambda_title: done
// NEVER: _M_run() /

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

long counter;

int main()
{
	using clock = std::chrono::steady_clock;
	const char *ms = std::getenv("SCENARIO_MS");
	const auto budget = std::chrono::milliseconds(ms && *ms ? std::atol(ms) : 300);
	const auto until = clock::now() + budget;
	auto work = [until] {
		while (clock::now() < until)
			for (int i = 0; i < 4096; i++)
				counter = counter + 1; // [[@bump]]
	};
	std::thread a(work), b(work);
	a.join();
	b.join();
	std::printf("cxx_lambda_title: done\n");
	return 0;
}
