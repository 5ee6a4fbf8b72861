// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: unlocked counter (C++ class member, std::thread)
// FIX: the statistics are std::atomic members updated with relaxed
// fetch_add.
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "../corpus.h"

class Cache {
public:
	unsigned long lookup(unsigned long key)
	{
		unsigned long v = crunch(key);
		opaque();
		if ((v >> 33) % 4 == 0)
			misses_.fetch_add(1, std::memory_order_relaxed);
		else
			hits_.fetch_add(1, std::memory_order_relaxed);
		return v;
	}
	unsigned long hits() const { return hits_.load(); }
	unsigned long misses() const { return misses_.load(); }

private:
	std::atomic<unsigned long> hits_{0};
	std::atomic<unsigned long> misses_{0};
};

int main()
{
	Cache cache;
	std::vector<std::thread> ts;
	for (unsigned long t = 0; t < 2; t++)
		ts.emplace_back([&cache, t] {
			for (unsigned long i = 0; i < 80000; i++)
				cache.lookup(i * 2 + t);
		});
	for (auto &t : ts)
		t.join();
	std::printf("hits %lu misses %lu\n", cache.hits(), cache.misses());
	return 0;
}
