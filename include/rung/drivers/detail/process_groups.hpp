// Every live trial process group of this process, and a guardian that kills
// them all if this process dies without doing so itself (kill -9, a crash,
// the OOM killer), so that no trial outlives the tuner holding a GPU.
//
// Why not PR_SET_PDEATHSIG in each child: it reaches only the direct child,
// not what the trial forked (a data loader, a sleeping shell), and it fires
// when the *thread* that spawned the child exits, not the process, so a
// tuner run on a short-lived thread would kill its own trials. The guardian
// is a forked process holding the reading end of a pipe whose only writer is
// this process: end of file comes exactly when the process is gone, and the
// guardian then sends SIGKILL to every group still registered in a table it
// shares with this process (shared memory: nothing to send per trial).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

namespace rung::detail {

class process_groups {
 public:
  // The process-wide registry.
  static process_groups& instance() {
    static process_groups groups;
    return groups;
  }

  process_groups(const process_groups&) = delete;
  process_groups& operator=(const process_groups&) = delete;

  // A group that lives from now until remove(); `owner` tells whose it is
  // (a tuner's io_context) for kill(). Starts the guardian if none runs.
  void add(pid_t group, const void* owner) {
    const std::lock_guard lock(mutex_);
    if (guardian_ < 0) start_guardian();
    std::size_t slot = 0;
    while (slot < used_ && table_[slot].load(std::memory_order_relaxed) != 0) ++slot;
    if (slot == capacity) throw std::system_error(EAGAIN, std::generic_category(), "over 65536 live trial processes");
    table_[slot].store(group, std::memory_order_relaxed);
    owners_[slot] = owner;
    used_ = std::max(used_, slot + 1);
    ++live_;
  }

  // The group is dead (killed, its leader reaped).
  void remove(pid_t group) {
    const std::lock_guard lock(mutex_);
    for (std::size_t slot = 0; slot < used_; ++slot) {
      if (table_[slot].load(std::memory_order_relaxed) == group) {
        table_[slot].store(0, std::memory_order_relaxed);
        owners_[slot] = nullptr;
        --live_;
        break;
      }
    }
    if (users_ == 0) stop_guardian_if_idle();
  }

  // Sends the signal to every live group of `owner`.
  void kill(const void* owner, int signal_number) {
    const std::lock_guard lock(mutex_);
    for (std::size_t slot = 0; slot < used_; ++slot) {
      const pid_t group = table_[slot].load(std::memory_order_relaxed);
      if (group != 0 && owners_[slot] == owner) ::kill(-group, signal_number);
    }
  }

  // While one lives (a tuning), the guardian is kept between trials rather
  // than forked again for each; it is stopped and reaped once the last one
  // ends, so no process of rung's outlives a tuning.
  class user {
   public:
    user() {
      const std::lock_guard lock(instance().mutex_);
      ++instance().users_;
    }
    ~user() {
      const std::lock_guard lock(instance().mutex_);
      if (--instance().users_ == 0) instance().stop_guardian_if_idle();
    }
    user(const user&) = delete;
    user& operator=(const user&) = delete;
  };

  // The guardian's pid, or -1 when none runs (for tests).
  [[nodiscard]] pid_t guardian() {
    const std::lock_guard lock(mutex_);
    return guardian_;
  }

 private:
  static constexpr std::size_t capacity = 1 << 16;  // 256 KiB of address space; pages are touched as used

  process_groups() {
    void* shared = ::mmap(nullptr, capacity * sizeof(std::atomic<pid_t>), PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap for the trial registry");
    table_ = static_cast<std::atomic<pid_t>*>(shared);  // zero-filled: every slot free
    owners_.assign(capacity, nullptr);
  }
  ~process_groups() = default;  // the mapping goes with the process; the guardian, if any, sees end of file

  // Under mutex_.
  void start_guardian() {
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_CLOEXEC) != 0) fail("pipe");
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int error = errno;
      ::close(pipe_ends[0]);
      ::close(pipe_ends[1]);
      errno = error;
      fail("fork");
    }
    if (pid == 0) guard(pipe_ends[0]);  // does not return
    ::close(pipe_ends[0]);
    guardian_ = pid;
    guardian_pipe_ = pipe_ends[1];
  }

  // In the forked guardian: only async-signal-safe calls (the parent may
  // have other threads, holding locks a copy of them would never release).
  [[noreturn]] void guard(int reading_end) const {
    ::setpgid(0, 0);  // out of the tuner's group: a Ctrl-C or kill of the group leaves it to act
    for (const int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE}) {
      ::signal(signal_number, SIG_IGN);
    }
    // Holding no other descriptor: a trial's stdout pipe kept open here would never end.
    if (reading_end > 0) ::close_range(0, static_cast<unsigned>(reading_end) - 1, 0);
    ::close_range(static_cast<unsigned>(reading_end) + 1, ~0U, 0);
    for (char byte = 0;;) {
      const auto got = ::read(reading_end, &byte, 1);
      if (got == 0 || (got < 0 && errno != EINTR)) break;
    }
    for (std::size_t slot = 0; slot < capacity; ++slot) {
      const pid_t group = table_[slot].load(std::memory_order_relaxed);
      if (group != 0) ::kill(-group, SIGKILL);
    }
    ::_exit(0);
  }

  // Under mutex_.
  void stop_guardian_if_idle() {
    if (guardian_ < 0 || live_ > 0) return;
    ::close(guardian_pipe_);  // end of file: the guardian finds nothing registered and exits
    while (::waitpid(guardian_, nullptr, 0) < 0 && errno == EINTR) {
    }
    guardian_ = -1;
    guardian_pipe_ = -1;
  }

  [[noreturn]] static void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), std::string("cannot start the trial guardian: ") + what);
  }

  std::mutex mutex_;
  std::atomic<pid_t>* table_ = nullptr;  // shared with the guardian; 0: a free slot
  std::vector<const void*> owners_;      // per slot, this process only
  std::size_t used_ = 0;                 // slots at and past this one were never used
  std::size_t live_ = 0;                 // registered groups
  std::size_t users_ = 0;
  pid_t guardian_ = -1;
  int guardian_pipe_ = -1;  // the only writing end
};

}  // namespace rung::detail
