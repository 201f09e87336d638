// Threads for blocking trials. A paused trial keeps its thread (parked
// inside report()), so the pool grows whenever no idle thread is left:
// threads = running trials + trials paused in memory.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rung::detail {

class blocking_pool {
 public:
  blocking_pool() = default;
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  ~blocking_pool() {
    {
      const std::lock_guard lock(mutex_);
      closing_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) thread.join();
  }

  void submit(std::function<void()> job) {
    {
      const std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
      if (idle_ == 0) {
        threads_.emplace_back([this] { serve(); });
        return;
      }
    }
    wake_.notify_one();
  }

  [[nodiscard]] std::size_t thread_count() const {
    const std::lock_guard lock(mutex_);
    return threads_.size();
  }

 private:
  void serve() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      wake_.wait(lock, [this] { return closing_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // closing
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool closing_ = false;
};

}  // namespace rung::detail
