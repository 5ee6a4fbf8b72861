// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: std::shared_ptr object reassigned while another thread copies it
// A forwarder thread copies the global `std::shared_ptr<const Route> current`
// for every packet while a controller thread moves it to another precomputed
// route now and then. The reference counts are atomic, but the shared_ptr
// object itself (its pointer and control-block pointer) is read and written
// with plain accesses (RACE lines: the copy in forwarder(), the assignment in
// controller()). The routes are built, and kept alive, by main, so only the
// shared_ptr object races.
#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "../corpus.h"

constexpr int PACKETS = 300;
constexpr int SWITCHES = 40;

struct Route {
	unsigned long hops[6];
	unsigned long version;
};

static std::shared_ptr<const Route> current;
static std::atomic<int> arrived{0};

// Both threads start together, as when the link comes up.
static void start_together(int n)
{
	arrived.fetch_add(1);
	while (arrived.load() < n)
		std::this_thread::yield();
}

static void forwarder(unsigned long *out)
{
	unsigned long x = 1, sum = 0;
	start_together(2);
	for (int p = 0; p < PACKETS; p++) {
		std::shared_ptr<const Route> r = current; // RACE: plain copy of the object
		for (int k = 0; k < 64; k++)
			x = crunch(x); // forward the packet
		sum += r->hops[x % 6] + r->version;
		opaque();
	}
	*out = sum;
}

static void controller(const std::vector<std::shared_ptr<const Route>> *routes)
{
	unsigned long x = 2;
	start_together(2);
	for (int s = 1; s <= SWITCHES; s++) {
		for (int k = 0; k < 480; k++)
			x = crunch(x); // measure the links
		current = (*routes)[(s + x % 2) % routes->size()]; // RACE: plain assignment
		opaque();
	}
}

int main()
{
	std::vector<std::shared_ptr<const Route>> routes;
	for (unsigned long v = 0; v < 4; v++) {
		auto r = std::make_shared<Route>();
		for (unsigned long h = 0; h < 6; h++)
			r->hops[h] = v * 10 + h;
		r->version = v;
		routes.push_back(r);
	}
	current = routes[0];

	unsigned long sum;
	std::thread f(forwarder, &sum), c(controller, &routes);
	f.join();
	c.join();
	std::printf("route %lu, checksum %lu\n", current->version, sum);
	return 0;
}
