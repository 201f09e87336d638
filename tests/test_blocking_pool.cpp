#include "rung/drivers/detail/blocking_pool.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <semaphore>

namespace test_blocking_pool {

// The pool behind blocking trials: a job that parks (a trial paused in
// memory) keeps its thread, so no other job may be queued behind it.

TEST_CASE("pool_ledger: a job queued while the idle threads are spoken for starts a thread") {
  rung::detail::pool_ledger ledger;
  CHECK(ledger.job_queued());  // no thread yet
  ledger.job_taken();
  ledger.job_done();           // one thread, idle
  REQUIRE(ledger.idle() == 1);
  CHECK_FALSE(ledger.job_queued());  // the idle thread will take it...
  CHECK(ledger.job_queued());        // ...so the next one needs a thread of its own, though none has woken yet
  CHECK(ledger.job_queued());
  CHECK(ledger.queued() == 3);
  CHECK(ledger.idle() == 3);
  for (int taken = 0; taken < 3; ++taken) ledger.job_taken();  // each thread takes one and parks
  CHECK(ledger.idle() == 0);
  CHECK(ledger.job_queued());
}

TEST_CASE("blocking_pool: a job submitted next to one that parks still runs") {
  constexpr int rounds = 50;
  std::counting_semaphore<rounds> parked(0);
  std::mutex mutex;
  std::condition_variable changed;
  int warmed = 0;
  int ran = 0;
  int parked_jobs = 0;
  rung::detail::blocking_pool pool;  // after what its jobs use: its threads are joined first
  struct unpark_on_exit {
    std::counting_semaphore<rounds>& parked;
    const int& count;
    ~unpark_on_exit() { parked.release(count); }  // before the pool joins, even when a check failed
  } unpark{parked, parked_jobs};
  for (int round = 0; round < rounds; ++round) {
    // Let every thread go idle, then give the pool a job that parks and one that must not wait for it.
    pool.submit([&] {
      const std::lock_guard lock(mutex);
      ++warmed;
      changed.notify_all();
    });
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return warmed == round + 1; });
    }
    pool.submit([&] { parked.acquire(); });
    ++parked_jobs;
    pool.submit([&] {
      const std::lock_guard lock(mutex);
      ++ran;
      changed.notify_all();
    });
    std::unique_lock lock(mutex);
    // The guard only keeps a lost job from hanging the test run.
    const bool done = changed.wait_for(lock, std::chrono::seconds(10), [&] { return ran == round + 1; });
    REQUIRE_MESSAGE(done, "round " << round << ": the job queued next to a parked one never ran");
  }
  CHECK(pool.thread_count() >= rounds + 1);  // a thread per parked job, and one for the rest
}

}  // namespace test_blocking_pool
