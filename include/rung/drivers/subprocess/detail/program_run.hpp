// One run of a trial's program: the child, its exit watcher and the timers
// that end it. Shared by the trial's coroutine and the handlers, so that a
// handler firing after the coroutine has gone finds the child still there.
#pragma once

#include "rung/drivers/subprocess/detail/child_process.hpp"

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace rung::detail {

// Seconds as a timer's duration, saturated: 1e300 or inf seconds would
// overflow the clock's int64 nanoseconds (to a time in the past) when cast.
inline std::chrono::steady_clock::duration clock_duration(double seconds) {
  using duration = std::chrono::steady_clock::duration;
  static_assert(sizeof(duration::rep) == 8);
  const double ticks = seconds * duration::period::den / duration::period::num;
  if (!(ticks > 0)) return duration::zero();
  if (ticks >= 0x1p63) return duration::max();
  return duration(static_cast<duration::rep>(ticks));
}

class program_run : public std::enable_shared_from_this<program_run> {
 public:
  program_run(const boost::asio::any_io_executor& executor, const std::string& program,
              const std::vector<std::string>& arguments, const std::filesystem::path& stderr_file,
              const std::vector<std::string>* environment)
      : child_(executor, program, arguments, stderr_file, environment),
        grace_timer_(executor),
        timeout_timer_(executor),
        exit_signal_(executor, boost::asio::steady_timer::time_point::max()) {}

  // Starts watching for the child's exit and, when timeout > 0, the clock.
  void start(double timeout, double grace_period) {
    child_.process().async_wait([self = shared_from_this()](boost::system::error_code error, int) {
      if (error) return;  // the io_context is going away: ~child_process kills and reaps
      self->child_.exited(self->child_.process().native_exit_code());
      self->grace_timer_.cancel();
      self->timeout_timer_.cancel();
      self->exit_signal_.cancel();
    });
    if (timeout > 0) {
      timeout_timer_.expires_after(seconds(timeout));
      timeout_timer_.async_wait([self = shared_from_this(), grace_period](boost::system::error_code error) {
        if (error || self->child_.has_exited()) return;
        self->timed_out_ = true;
        self->terminate(grace_period);
      });
    }
  }

  // SIGTERM to the group now, SIGKILL once the grace period is over.
  void terminate(double grace_period) {
    if (terminating_ || child_.has_exited()) return;
    terminating_ = true;
    child_.kill_group(SIGTERM);
    grace_timer_.expires_after(seconds(grace_period));
    grace_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
      if (!error) self->child_.kill_group(SIGKILL);
    });
  }

  // Kills the group at once (the trial's coroutine is leaving early).
  void kill() { child_.kill_group(SIGKILL); }

  [[nodiscard]] child_process& child() noexcept { return child_; }
  // Cancelled when the child has exited: wait on it while !child().has_exited().
  [[nodiscard]] boost::asio::steady_timer& exit_signal() noexcept { return exit_signal_; }
  [[nodiscard]] bool timed_out() const noexcept { return timed_out_; }
  // SIGTERM was sent (a stop, a timeout, or a program that did not end by itself).
  [[nodiscard]] bool terminated() const noexcept { return terminating_; }

 private:
  static std::chrono::steady_clock::duration seconds(double value) { return clock_duration(value); }

  child_process child_;
  boost::asio::steady_timer grace_timer_;
  boost::asio::steady_timer timeout_timer_;
  boost::asio::steady_timer exit_signal_;
  bool terminating_ = false;
  bool timed_out_ = false;
};

}  // namespace rung::detail
