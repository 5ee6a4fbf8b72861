// SPDX-License-Identifier: MIT OR Apache-2.0
#include <cstdio>
#include <thread>

#include "stats.h"

int main()
{
	auto work = [] {
		for (int i = 0; i < 2000000; i++)
			stats_bump();
	};
	std::thread a(work), b(work);
	a.join();
	b.join();
	std::printf("hits %ld\n", stats_hits());
	return 0;
}
