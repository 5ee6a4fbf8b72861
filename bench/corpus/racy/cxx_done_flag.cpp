// SPDX-License-Identifier: MIT OR Apache-2.0
// PATTERN: flag polling with a plain bool (C++ worker object)
// A Worker runs on a std::thread until another thread calls stop(), which
// sets a plain `bool running_` member that run() polls (RACE lines in run()
// and stop()).
#include <chrono>
#include <cstdio>
#include <thread>

#include "../corpus.h"

class Worker {
public:
	void run()
	{
		while (running_) { // RACE: plain read
			state_ = crunch(state_);
			opaque();
		}
	}
	void stop() { running_ = false; } // RACE: plain write
	unsigned long state() const { return state_; }

private:
	bool running_ = true;
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
