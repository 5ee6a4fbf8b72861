// SPDX-License-Identifier: MIT OR Apache-2.0
// cxx_virtual_race.cpp - a C++ program built with `kcsan c++`: std::thread,
// std::mutex, and a class whose virtual methods race. Counter::bump() stores
// a new value while Counter::read() const loads it, through a Base&, with no
// lock (the mutex only protects the final total). The report names the
// methods demangled, as the kernel names C functions: "Counter::bump()",
// "Counter::read() const".
//
// RUN: %kcsan_cxx -O2 -g %s -o %t -pthread && %run %t
// EXPECT: {{^}}BUG: KCSAN: data-race in Counter::bump() / Counter::read() const{{$}}
// EXPECT: {{^}}write to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} Counter::bump()+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}cxx_virtual_race.cpp:[[store]]{{$}}
// EXPECT: {{^}}read to 0x{{[0-9a-f]+}} of 8 bytes by task {{[0-9]+}} on cpu {{[0-9]+}}:
// EXPECT: {{^}} Counter::read() const+0x{{[0-9a-f]+}}/0x{{[0-9a-f]+}} {{.*}}cxx_virtual_race.cpp:[[load]]{{$}}
// EXPECT: {{^}}value changed: 0x{{[0-9a-f]+}} -> 0x{{[0-9a-f]+}}{{$}}
// STDOUT: cxx_virtual_race: done
// NEVER: _ZN

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

class Base {
public:
	virtual ~Base() = default;
	virtual void bump() = 0;
	virtual long read() const = 0;
};

class Counter : public Base {
public:
	__attribute__((noinline)) void bump() override
	{
		next_ = next_ + 1; // only the writer thread touches next_
		value_ = next_; // [[@store]]
	}
	__attribute__((noinline)) long read() const override
	{
		return value_; // [[@load]]
	}

private:
	long next_ = 0;
	long value_ = 0;
};

int main()
{
	using clock = std::chrono::steady_clock;
	const char *ms = std::getenv("SCENARIO_MS");
	const auto budget = std::chrono::milliseconds(ms && *ms ? std::atol(ms) : 300);
	Counter counter;
	Base &shared = counter;
	std::mutex lock;
	long total = 0;
	const auto until = clock::now() + budget;

	std::thread writer([&] {
		while (clock::now() < until)
			for (int i = 0; i < 256; i++)
				shared.bump();
	});
	std::thread reader([&] {
		long sum = 0;
		while (clock::now() < until)
			for (int i = 0; i < 256; i++)
				sum += shared.read();
		std::lock_guard<std::mutex> guard(lock);
		total += sum;
	});
	writer.join();
	reader.join();
	std::printf("cxx_virtual_race: done (%s)\n", total > 0 ? "raced" : "no progress");
	return 0;
}
