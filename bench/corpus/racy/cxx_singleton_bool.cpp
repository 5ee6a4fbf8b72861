// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: singleton initialised behind a plain bool
// Codec::instance() builds the shared lookup table on first use, guarded by
// a plain `static bool initialized_`. Two std::threads ask for the singleton
// on every message, so their first calls check the flag while the other
// thread builds the table and sets it (RACE lines in instance(); both may
// build, and one may read a half-built table).
#include <atomic>
#include <cstdio>
#include <thread>

#include "../corpus.h"

constexpr int MESSAGES = 200; // per thread

class Codec {
public:
	static const Codec &instance()
	{
		if (!initialized_) {         // RACE: plain check
			self_.build();       // RACE: fills the table another thread reads
			initialized_ = true; // RACE: plain store
		}
		return self_;
	}
	unsigned long encode(unsigned long v) const
	{
		return v ^ table_[v % 256]; // RACE: reads the table being built
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
	static bool initialized_;
};

Codec Codec::self_;
bool Codec::initialized_;

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
