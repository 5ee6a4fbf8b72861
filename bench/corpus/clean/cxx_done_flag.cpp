// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: flag polling with a plain bool (C++ worker object)
// FIX: `running_` is a std::atomic<bool>, stored with release and polled
// with acquire.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "../corpus.h"

class Worker {
public:
	void run()
	{
		while (running_.load(std::memory_order_acquire)) {
			state_ = crunch(state_);
			opaque();
		}
	}
	void stop() { running_.store(false, std::memory_order_release); }
	unsigned long state() const { return state_; }

private:
	std::atomic<bool> running_{true};
	unsigned long state_ = 1;
};

int main()
{
	Worker w;
	std::thread t([&w] { w.run(); });
	std::this_thread::sleep_for(std::chrono::milliseconds(20));
	w.stop();
	t.join();
	std::printf("stopped (%d)\n", w.state() != 0);
	return 0;
}
