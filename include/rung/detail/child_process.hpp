// One trial's program as a child process (Boost.Process v2), leader of a
// process group of its own so that a stop reaches whatever it forked. No
// shell: the arguments arrive as given. stdout comes back through a pipe,
// stderr goes to a file, stdin is /dev/null.
#pragma once

#include <fcntl.h>
#include <signal.h>
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
#include <boost/process/v2/stdio.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace rung::detail {

namespace process_v2 = boost::process::v2;

// Launcher hooks: a process group led by the child, and (optionally) an
// environment other than the parent's.
struct child_setup {
  const char* const* environment = nullptr;

  template <class Launcher>
  process_v2::error_code on_setup(Launcher& launcher, const process_v2::filesystem::path&, const char* const*) {
    if (environment != nullptr) launcher.env = environment;
    return {};
  }
  template <class Launcher>
  process_v2::error_code on_exec_setup(Launcher&, const process_v2::filesystem::path&, const char* const*) {
    if (::setpgid(0, 0) != 0) return {errno, process_v2::system_category()};
    return {};
  }
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
  child_process(const boost::asio::any_io_executor& executor, const std::string& program, const std::vector<std::string>& arguments,
                const std::filesystem::path& stderr_file, const std::vector<std::string>* environment)
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
    std::vector<const char*> environment_pointers;
    if (environment != nullptr) {
      for (const auto& entry : *environment) environment_pointers.push_back(entry.c_str());
      environment_pointers.push_back(nullptr);
    }
    process_v2::error_code error;
    process_v2::default_process_launcher launcher;
    process_.emplace(launcher(executor, error, executable, arguments,
                              process_v2::process_stdio{nullptr, writing_end, stderr_fd},
                              child_setup{environment != nullptr ? environment_pointers.data() : nullptr}));
    ::close(writing_end);  // the child holds the only writing end now: its exit is our end of file
    ::close(stderr_fd);
    if (error) {
      // The child forked but could not exec: it has exited, reap it.
      if (launcher.pid > 0) ::waitpid(launcher.pid, nullptr, 0);
      fail(program, std::error_code(error.value(), std::generic_category()));
    }
    pid_ = process_->id();
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
    process_->detach();
  }

  [[nodiscard]] boost::asio::readable_pipe& stdout_pipe() noexcept { return stdout_; }
  [[nodiscard]] process_v2::process& process() noexcept { return *process_; }
  [[nodiscard]] int pid() const noexcept { return pid_; }

  // Sends a signal to the child and to everything it started.
  void kill_group(int signal_number) const {
    if (!exited_) ::kill(-pid_, signal_number);
  }

  // The child was reaped with this wait status. What it forked is left in
  // its group and gets SIGKILL: it would keep stdout open and live on.
  void exited(int wait_status) {
    ::kill(-pid_, SIGKILL);
    reap_group();
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
