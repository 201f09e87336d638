// One trial's program as a child process, leader of a process group of its
// own so that a stop reaches whatever it forked. Started with posix_spawn
// (vfork-fast: this machine forks a tuner's address space in ~10 ms, spawns
// in ~4 ms), then watched as a Boost.Process v2 process (pidfd). No shell:
// the arguments arrive as given. stdout comes back through a pipe, stderr
// goes to a file, stdin is /dev/null. Every live group is registered in
// process_groups: a second Ctrl-C kills a tuning's groups at once, and if
// this process dies its guardian kills them all.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

// Boost.Process v2 defaults to Boost.Filesystem, a compiled library;
// rung is header-only and speaks std::filesystem.
#if !defined(BOOST_PROCESS_USE_STD_FS)
#if defined(BOOST_PROCESS_V2_DETAIL_CONFIG_HPP)
#error "rung: define BOOST_PROCESS_USE_STD_FS, or include rung's headers before Boost.Process v2"
#endif
#define BOOST_PROCESS_USE_STD_FS 1
#endif

// Boost 1.81's Process v2 with std::filesystem still names boost::optional
// and Boost.TypeTraits, which Boost.Filesystem would have brought.
#include <boost/optional.hpp>
#include <boost/type_traits.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "rung/drivers/detail/process_groups.hpp"

extern char** environ;  // POSIX: the process environment

namespace rung::detail {

namespace process_v2 = boost::process::v2;

// posix_spawn's settings for a trial: its own process group, signals as a
// fresh program expects them, stdin /dev/null, stdout and stderr given, and
// no other descriptor of ours (closefrom 3).
class spawn_settings {
 public:
  spawn_settings(int stdout_fd, int stderr_fd) {
    ::posix_spawn_file_actions_init(&files_);
    ::posix_spawnattr_init(&attributes_);
    ::posix_spawn_file_actions_addopen(&files_, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&files_, stdout_fd, STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&files_, stderr_fd, STDERR_FILENO);
    ::posix_spawn_file_actions_addclosefrom_np(&files_, STDERR_FILENO + 1);
    sigset_t signals;
    ::sigemptyset(&signals);
    ::posix_spawnattr_setsigmask(&attributes_, &signals);
    ::sigfillset(&signals);
    ::posix_spawnattr_setsigdefault(&attributes_, &signals);
    ::posix_spawnattr_setpgroup(&attributes_, 0);
    ::posix_spawnattr_setflags(&attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  spawn_settings(const spawn_settings&) = delete;
  spawn_settings& operator=(const spawn_settings&) = delete;
  ~spawn_settings() {
    ::posix_spawn_file_actions_destroy(&files_);
    ::posix_spawnattr_destroy(&attributes_);
  }

  // The child's pid, or the error (the child that could not exec is reaped by posix_spawn).
  int spawn(const std::filesystem::path& executable, const std::vector<std::string>& arguments,
            char* const* environment, std::error_code& error) const {
    std::vector<char*> argv{const_cast<char*>(executable.c_str())};
    for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (const int failed = ::posix_spawn(&pid, executable.c_str(), &files_, &attributes_, argv.data(), environment)) {
      error = std::error_code(failed, std::generic_category());
    }
    return pid;
  }

 private:
  posix_spawn_file_actions_t files_;
  posix_spawnattr_t attributes_;
};

// A program name without a slash is looked up on PATH, as a shell would.
inline std::filesystem::path resolve_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  auto found = process_v2::environment::find_executable(program);
  if (found.empty()) throw std::runtime_error("cannot run '" + program + "': not found on PATH");
  return found;
}

// "exited with status 3", "killed by signal 9 (Killed)".
inline std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const int signal_number = WTERMSIG(status);
    return "killed by signal " + std::to_string(signal_number) + " (" + ::strsignal(signal_number) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

class child_process {
 public:
  // Starts program with arguments; its stdout is read with stdout_pipe(),
  // its stderr appended to stderr_file. Throws std::runtime_error naming
  // the program when it cannot be started.
  child_process(const boost::asio::any_io_executor& executor, const std::string& program,
                const std::vector<std::string>& arguments, const std::filesystem::path& stderr_file,
                const std::vector<std::string>* environment)
      : stdout_(executor) {
    const auto executable = resolve_program(program);
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_CLOEXEC) != 0) fail(program, std::error_code(errno, std::generic_category()));
    stdout_.assign(pipe_ends[0]);
    const int writing_end = pipe_ends[1];
    const int stderr_fd = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (stderr_fd < 0) {
      ::close(writing_end);
      throw std::runtime_error("cannot open " + stderr_file.string() + ": " + std::strerror(errno));
    }
    std::vector<char*> environment_pointers;
    if (environment != nullptr) {
      for (const auto& entry : *environment) environment_pointers.push_back(const_cast<char*>(entry.c_str()));
      environment_pointers.push_back(nullptr);
    }
    std::error_code error;
    const int pid =
        spawn_settings(writing_end, stderr_fd)
            .spawn(executable, arguments, environment != nullptr ? environment_pointers.data() : environ, error);
    ::close(writing_end);  // the child holds the only writing end now: its exit is our end of file
    ::close(stderr_fd);
    if (error) fail(program, error);
    pid_ = pid;
    try {
      process_groups::instance().add(pid, &boost::asio::query(executor, boost::asio::execution::context));
      process_.emplace(executor, pid);  // opens a pidfd: its exit is awaited on the io_context
    } catch (...) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      process_groups::instance().remove(pid);
      throw;
    }
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // Whatever is still running of the group is killed and the child reaped:
  // no zombie and no orphan outlive a trial, even one that threw.
  ~child_process() {
    if (!process_ || exited_) return;
    kill_group(SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reap_group();
    process_groups::instance().remove(pid_);
    process_->detach();
  }

  [[nodiscard]] boost::asio::readable_pipe& stdout_pipe() noexcept { return stdout_; }
  [[nodiscard]] process_v2::process& process() noexcept { return *process_; }

  // Sends a signal to the child and to everything it started.
  void kill_group(int signal_number) const {
    if (!exited_) ::kill(-pid_, signal_number);
  }

  // The child was reaped with this wait status. What it forked is left in
  // its group and gets SIGKILL: it would keep stdout open and live on.
  void exited(int wait_status) {
    ::kill(-pid_, SIGKILL);
    reap_group();
    process_groups::instance().remove(pid_);
    exited_ = true;
    wait_status_ = wait_status;
  }

  // Orphans become children of this process rather than of init (which, in
  // a container, may never reap them), so that reap_group() can reap them.
  static void adopt_orphans() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
  [[nodiscard]] bool has_exited() const noexcept { return exited_; }
  [[nodiscard]] int wait_status() const noexcept { return wait_status_; }

 private:
  // Reaps the group's members that are this process's children (orphans
  // adopted as a subreaper), all killed by now; without any, returns at once.
  void reap_group() const {
    while (::waitpid(-pid_, nullptr, 0) > 0 || errno == EINTR) {
    }
  }

  [[noreturn]] static void fail(const std::string& program, std::error_code error) {
    throw std::runtime_error("cannot run '" + program + "': " + error.message());
  }

  boost::asio::readable_pipe stdout_;
  std::optional<process_v2::process> process_;
  int pid_ = -1;
  bool exited_ = false;
  int wait_status_ = 0;
};

}  // namespace rung::detail
