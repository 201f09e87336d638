// The MPI driver's transport: text messages over a communicator of its own
// (a duplicate, so that one tuning's messages never meet another's or the
// user's), sent with MPI_Isend and read with MPI_Improbe/MPI_Mrecv. Only the
// thread that runs the loop calls MPI (MPI_THREAD_FUNNELED is enough).
//
// Rank 0's loop is never blocked by MPI: it polls. A progress thread
// feeding an io_context would put a lock and a thread hand-off on the path
// of every report, twice per round trip, and need MPI_THREAD_MULTIPLE or a
// queue of its own; polling keeps the decision core on one thread with no
// lock. poll_pacing bounds what polling costs: back to back while messages
// come, then, after a spell without one, a nap between polls (worker ranks
// 100 us after 200 us; rank 0 20 us after mpi_tuner_options::
// rank_0_busy_poll, 10 ms by default), so that an idle rank costs almost no
// CPU and a message waits at most a nap plus one poll (on a worker rank, a
// trial's report goes at once: its thread wakes the loop, which then polls
// without napping until the answer is in; the trial spins up to 1 ms for it
// before it blocks). bench_mpi, 10 ms epochs, 8 ranks on 2 cores:
// utilisation 0.935 - 0.946 with 100 us naps everywhere and blocking
// trials; with reports below the scheduler's promise not awaited, 0.983 -
// 0.988 with rank 0 napping at once, 0.990 with 2 ms of busy polling, 0.991
// - 0.993 with 10 ms (never napping: the same).
#pragma once

#include "rung/drivers/mpi/detail/mpi_c_api.hpp"  // first: <mpi.h> without its C++ bindings

#include <chrono>
#include <list>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#ifdef __linux__
#include <sys/prctl.h>
#endif

namespace rung::detail {

class mpi_channel {
 public:
  struct message {
    int rank = 0;
    std::string text;
  };

  explicit mpi_channel(MPI_Comm comm) {
    MPI_Comm_dup(comm, &comm_);  // collective: every rank makes its channel at the same point
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  mpi_channel(const mpi_channel&) = delete;
  mpi_channel& operator=(const mpi_channel&) = delete;
  ~mpi_channel() {
    finish_sends();
    MPI_Comm_free(&comm_);
  }

  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] int size() const noexcept { return size_; }

  // Returns at once; the text is kept until the send completes.
  void send(int to, std::string text) {
    auto& pending = sends_.emplace_back(std::move(text), MPI_REQUEST_NULL);
    MPI_Isend(pending.first.data(), static_cast<int>(pending.first.size()), MPI_CHAR, to, tag, comm_,
              &pending.second);
  }

  // A message that has arrived (from `source`, or any rank), if one has.
  std::optional<message> try_receive(int source = MPI_ANY_SOURCE) {
    int arrived = 0;
    MPI_Message handle = MPI_MESSAGE_NULL;
    MPI_Status status;
    MPI_Improbe(source, tag, comm_, &arrived, &handle, &status);
    if (arrived == 0) return std::nullopt;
    int count = 0;
    MPI_Get_count(&status, MPI_CHAR, &count);
    message received{status.MPI_SOURCE, std::string(static_cast<std::size_t>(count), '\0')};
    MPI_Mrecv(received.text.data(), count, MPI_CHAR, &handle, MPI_STATUS_IGNORE);
    return received;
  }

  // Frees the sends that completed.
  void progress() {
    for (auto pending = sends_.begin(); pending != sends_.end();) {
      int done = 0;
      MPI_Test(&pending->second, &done, MPI_STATUS_IGNORE);
      pending = done != 0 ? sends_.erase(pending) : std::next(pending);
    }
  }

  // Waits for every send: only once the receivers are known to read them (they said goodbye).
  void finish_sends() {
    for (auto& pending : sends_) MPI_Wait(&pending.second, MPI_STATUS_IGNORE);
    sends_.clear();
  }

 private:
  static constexpr int tag = 1;  // the communicator is rung's own: one tag is enough
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 0;
  std::list<std::pair<std::string, MPI_Request>> sends_;  // a list: MPI holds the buffers' addresses
};

class poll_pacing {
 public:
  // A worker rank's loop wakes at once for its trials' messages, and polls
  // without napping while a trial waits for an answer: after a message it
  // polls yielding the core for worker_pace.spin, then naps. Rank 0 polls back to
  // back for mpi_tuner_options::rank_0_busy_poll, then naps shorter: every
  // report that comes meanwhile waits for its nap to end.
  struct pace {
    std::chrono::microseconds spin;
    bool yield_while_spinning;
    std::chrono::microseconds nap;
  };
  static constexpr pace worker_pace{std::chrono::microseconds(200), true, std::chrono::microseconds(100)};
  static constexpr std::chrono::microseconds rank_0_nap{20};

  // Linux lets a sleep overrun by the thread's timer slack, 50 us by
  // default: more than a 20 us nap, on every poll. The loop's thread
  // sleeps to 1 us while it paces, and gets its own slack back after.
  explicit poll_pacing(pace chosen = worker_pace) noexcept : pace_(chosen) {
#ifdef __linux__
    const int previous = ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    if (previous > 0 && ::prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0) == 0) previous_slack_ = previous;
#endif
  }
  ~poll_pacing() {
#ifdef __linux__
    if (previous_slack_ > 0) ::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(previous_slack_), 0, 0, 0);
#endif
  }
  poll_pacing(const poll_pacing&) = delete;
  poll_pacing& operator=(const poll_pacing&) = delete;

  void busy() noexcept { last_busy_ = std::chrono::steady_clock::now(); }
  // sleep(nap) may return early: a worker rank's wakes when a trial thread has a message to send.
  template <class Sleep>
  void idle(Sleep&& sleep) const {
    // In microseconds: a spin of microseconds::max() (never nap) would overflow nanoseconds.
    if (std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - last_busy_) <
        pace_.spin) {
      if (pace_.yield_while_spinning) std::this_thread::yield();
    } else {
      sleep(pace_.nap);
    }
  }
  void idle() const {
    idle([](std::chrono::microseconds pause) { std::this_thread::sleep_for(pause); });
  }

 private:
  pace pace_;
  std::chrono::steady_clock::time_point last_busy_ = std::chrono::steady_clock::now();
  int previous_slack_ = 0;  // nanoseconds; 0: unchanged
};

}  // namespace rung::detail
