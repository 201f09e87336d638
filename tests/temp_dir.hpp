// A directory name of its own under the system's temp directory for one
// test, removed with everything in it when the test ends. The name holds the
// process id, the time and a counter, so tests running at once, in one
// process or in several, never share one.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>

namespace rung_test {

struct temp_dir {
  std::filesystem::path path = unique_name();

  temp_dir() = default;
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;  // a destructor must not throw; what is left is under /tmp
    std::filesystem::remove_all(path, ignored);
  }

 private:
  static std::filesystem::path unique_name() {
    static std::atomic<int> counter{0};
    return std::filesystem::temp_directory_path() /
           ("rung-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "-" +
            std::to_string(counter++));
  }
};

}  // namespace rung_test
