// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: std::vector push_back from two threads without a lock
// FIX: push_back() is called with a std::mutex held (std::lock_guard).
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "../corpus.h"

constexpr int ITEMS = 200; // per thread

static std::vector<unsigned long> kept;
static std::mutex kept_lock;
static std::atomic<int> arrived{0};

// Both scanners start together, as when one batch of input wakes both.
static void start_together(int n)
{
	arrived.fetch_add(1);
	while (arrived.load() < n)
		std::this_thread::yield();
}

static void scan(unsigned long seed)
{
	unsigned long x = seed;
	start_together(2);
	for (int i = 0; i < ITEMS; i++) {
		for (int k = 0; k < 96; k++)
			x = crunch(x); // parse one item
		if (x >> 62) {
			std::lock_guard<std::mutex> guard(kept_lock);
			kept.push_back(x);
		}
		opaque();
	}
}

int main()
{
	kept.reserve(2 * ITEMS);
	std::thread a(scan, 1), b(scan, 2);
	a.join();
	b.join();
	unsigned long sum = 0;
	for (unsigned long v : kept)
		sum += v >> 60;
	std::printf("kept %zu items, checksum %lu\n", kept.size(), sum);
	return 0;
}
