// SPDX-License-Identifier: MIT OR Apache-2.0
// cxx_sync_silent.cpp - no false positives from correct C++ synchronisation
// (`kcsan c++`): producers and consumers pass std::shared_ptr<Job> through
// a std::deque guarded by a std::mutex and two std::condition_variables;
// the jobs' payload (a std::string and a std::vector) is built by one thread
// and read by another only after the hand-over; progress counters are
// std::atomic; the shared_ptr reference counts are updated concurrently by
// libstdc++'s own atomic operations (inlined, so instrumented). Aggressive
// sampling with plain writes watched: never a report, and the statistics
// prove it watched.
//
// RUN: %kcsan_cxx -O2 -g %s -o %t -pthread && %run %t
// OPTIONS: skip_watch=50:assume_plain_writes_atomic=0:print_stats=1
// RUNS: 2
// STDOUT: {{^}}cxx_sync_silent: ok{{$}}
// STDERR: setup_watchpoints: {{[1-9][0-9]*}}
// NEVER: BUG: KCSAN
// NEVER: {{^data_races: [1-9]}}
// NEVER: cxx_sync_silent: FAILED

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Job {
	long id;
	std::string name;
	std::vector<long> data;
};

class Queue {
public:
	void push(std::shared_ptr<Job> job)
	{
		std::unique_lock<std::mutex> lock(mutex_);
		not_full_.wait(lock, [this] { return jobs_.size() < 32; });
		jobs_.push_back(std::move(job));
		not_empty_.notify_one();
	}

	// Returns null once closed and drained.
	std::shared_ptr<Job> pop()
	{
		std::unique_lock<std::mutex> lock(mutex_);
		not_empty_.wait(lock, [this] { return !jobs_.empty() || closed_; });
		if (jobs_.empty())
			return nullptr;
		auto job = std::move(jobs_.front());
		jobs_.pop_front();
		not_full_.notify_one();
		return job;
	}

	void close()
	{
		std::lock_guard<std::mutex> lock(mutex_);
		closed_ = true;
		not_empty_.notify_all();
	}

private:
	std::mutex mutex_;
	std::condition_variable not_empty_, not_full_;
	std::deque<std::shared_ptr<Job>> jobs_;
	bool closed_ = false;
};

std::atomic<long> produced{0}, consumed{0}, checksum_in{0}, checksum_out{0};
std::shared_ptr<const std::string> banner = std::make_shared<const std::string>("jobs");

} // namespace

int main()
{
	using clock = std::chrono::steady_clock;
	const char *ms = std::getenv("SCENARIO_MS");
	const auto until = clock::now() + std::chrono::milliseconds(ms && *ms ? std::atol(ms) : 400);
	Queue queue;
	std::vector<std::thread> producers, consumers;

	for (int c = 0; c < 3; c++)
		consumers.emplace_back([&queue] {
			auto my_banner = banner; // concurrent reference-count updates
			while (auto job = queue.pop()) {
				long sum = 0;
				for (long v : job->data)
					sum += v;
				if (job->name.size() < my_banner->size())
					std::abort();
				checksum_out.fetch_add(sum, std::memory_order_relaxed);
				consumed.fetch_add(1, std::memory_order_relaxed);
			}
		});
	for (int p = 0; p < 3; p++)
		producers.emplace_back([&queue, p, until] {
			for (long i = 0; clock::now() < until; i++) {
				auto job = std::make_shared<Job>();
				job->id = i;
				job->name = "jobs-" + std::to_string(p) + "-" + std::to_string(i);
				for (long k = 0; k < 8; k++)
					job->data.push_back(i * 8 + k);
				long sum = 0;
				for (long v : job->data)
					sum += v;
				checksum_in.fetch_add(sum, std::memory_order_relaxed);
				produced.fetch_add(1, std::memory_order_relaxed);
				queue.push(std::move(job));
			}
		});
	for (auto &t : producers)
		t.join();
	queue.close();
	for (auto &t : consumers)
		t.join();

	if (produced.load() == 0 || produced.load() != consumed.load() ||
	    checksum_in.load() != checksum_out.load()) {
		std::printf("cxx_sync_silent: FAILED: produced %ld consumed %ld\n", produced.load(),
			    consumed.load());
		return 1;
	}
	std::printf("cxx_sync_silent: ok\n");
	return 0;
}
