// How a tuning is told to stop early: tuner::request_stop() from any thread,
// and, with tuner_options::handle_signals, SIGINT and SIGTERM caught on the
// tuner's io_context (boost::asio::signal_set), the handling they had
// before restored once the tuning ends.
#pragma once

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace rung::detail {

// "SIGINT", "SIGTERM", "signal 10".
inline std::string signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    default: return "signal " + std::to_string(signal_number);
  }
}

// Stop requests on their way to the running tuning; one made while none
// runs is kept for the next. Thread-safe; not async-signal-safe (a signal
// handler of the program's own posts it through an io_context or a
// boost::asio::signal_set instead).
class stop_requests {
 public:
  using handler = std::function<void(int signal_number)>;

  // Any thread: 0 for request_stop(), else the signal's number.
  void request(int signal_number) {
    const std::lock_guard lock(mutex_);
    if (deliver_) {
      deliver_(signal_number);
    } else {
      pending_.push_back(signal_number);
    }
  }

  // For as long as the returned attachment lives (a tuning's run),
  // `deliver` (which posts to its io_context) gets the requests, those made
  // before it began first.
  class attachment {
   public:
    explicit attachment(stop_requests& requests) : requests_(requests) {}
    attachment(const attachment&) = delete;
    attachment& operator=(const attachment&) = delete;
    ~attachment() {
      const std::lock_guard lock(requests_.mutex_);
      requests_.deliver_ = nullptr;
    }

   private:
    stop_requests& requests_;
  };
  [[nodiscard]] attachment attach(handler deliver) {
    const std::lock_guard lock(mutex_);
    deliver_ = std::move(deliver);
    for (const int signal_number : pending_) deliver_(signal_number);
    pending_.clear();
    return attachment(*this);
  }

 private:
  std::mutex mutex_;
  handler deliver_;
  std::vector<int> pending_;
};

// SIGINT and SIGTERM, handled on the io_context for as long as this lives.
// A signal the process ignores (nohup, a background job's SIGINT) stays
// ignored. Asio restores SIG_DFL when it lets go; this restores what was
// there before instead (a program's own handler, a test framework's).
class signal_watch {
 public:
  signal_watch(boost::asio::io_context& io, std::function<void(int)> on_signal)
      : signals_(io), on_signal_(std::move(on_signal)) {
    for (const int signal_number : {SIGINT, SIGTERM}) {
      struct sigaction before{};
      ::sigaction(signal_number, nullptr, &before);
      if ((before.sa_flags & SA_SIGINFO) == 0 && before.sa_handler == SIG_IGN) continue;
      previous_.emplace_back(signal_number, before);
      signals_.add(signal_number);
    }
    wait();
  }

  signal_watch(const signal_watch&) = delete;
  signal_watch& operator=(const signal_watch&) = delete;

  ~signal_watch() {
    boost::system::error_code ignored;
    signals_.clear(ignored);  // Asio puts back SIG_DFL...
    for (const auto& [signal_number, before] : previous_) ::sigaction(signal_number, &before, nullptr);  // ...and this
  }

  // On the io_context: no more signals are taken (its work ends).
  void stop() {
    stopped_ = true;
    signals_.cancel();
  }

 private:
  void wait() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
      if (error || stopped_) return;
      on_signal_(signal_number);
      wait();
    });
  }

  boost::asio::signal_set signals_;
  std::function<void(int)> on_signal_;
  std::vector<std::pair<int, struct sigaction>> previous_;
  bool stopped_ = false;
};

}  // namespace rung::detail
