// Threads for blocking trials. A paused trial keeps its thread (parked
// inside report()), so the pool grows whenever a job would otherwise wait:
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

// When the pool starts a thread. Every queued job needs a thread of its own:
// an idle thread may already be spoken for by a job queued just before (it
// has not woken yet), and a job that parks keeps its thread for good. So a
// thread starts whenever queued jobs outnumber idle threads. Kept apart from
// the threads so that the rule can be stepped through without them.
class pool_ledger {
 public:
  // A job was queued. True: start a thread for it, counted idle from now on.
  [[nodiscard]] bool job_queued() noexcept {
    ++queued_;
    if (queued_ <= idle_) return false;
    ++idle_;
    return true;
  }
  // An idle thread took a queued job.
  void job_taken() noexcept {
    --queued_;
    --idle_;
  }
  // Its job returned: the thread is idle again.
  void job_done() noexcept { ++idle_; }

  [[nodiscard]] std::size_t queued() const noexcept { return queued_; }
  [[nodiscard]] std::size_t idle() const noexcept { return idle_; }

 private:
  std::size_t queued_ = 0;
  std::size_t idle_ = 0;  // threads waiting for a job, or started and not yet waiting
};

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
      if (ledger_.job_queued()) {
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
      wake_.wait(lock, [this] { return closing_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // closing
      ledger_.job_taken();
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
      ledger_.job_done();
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  pool_ledger ledger_;
  bool closing_ = false;
};

}  // namespace rung::detail
