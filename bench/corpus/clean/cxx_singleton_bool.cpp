// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: singleton initialised behind a plain bool
// FIX: the plain flag is replaced by a std::once_flag and std::call_once,
// which runs build() once and makes every caller wait for it.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "../corpus.h"

constexpr int MESSAGES = 200; // per thread

class Codec {
public:
	static const Codec &instance()
	{
		std::call_once(once_, [] { self_.build(); });
		return self_;
	}
	unsigned long encode(unsigned long v) const
	{
		return v ^ table_[v % 256];
	}

private:
	void build()
	{
		unsigned long x = 0x243f6a8885a308d3ul;
		for (int i = 0; i < 256; i++)
			table_[i] = x = crunch(x);
	}

	unsigned long table_[256];
	static Codec self_;
	static std::once_flag once_;
};

Codec Codec::self_;
std::once_flag Codec::once_;

static std::atomic<int> arrived{0};

// Both senders start together, as when one event wakes both.
static void start_together(int n)
{
	arrived.fetch_add(1);
	while (arrived.load() < n)
		std::this_thread::yield();
}

static void sender(unsigned long seed, unsigned long *out)
{
	unsigned long x = seed, sum = 0;
	start_together(2);
	for (int m = 0; m < MESSAGES; m++) {
		for (int k = 0; k < 48; k++)
			x = crunch(x); // compose the message
		sum += Codec::instance().encode(x) >> 60;
		opaque();
	}
	*out = sum;
}

int main()
{
	unsigned long sum[2];
	std::thread a(sender, 1, &sum[0]), b(sender, 2, &sum[1]);
	a.join();
	b.join();
	std::printf("checksum %lu\n", sum[0] + sum[1]);
	return 0;
}
