// An append-only file written through a shared memory mapping. Every append
// lands in the kernel's page cache at once, without a system call: if the
// process dies (a trial crashes it), everything appended so far is in the
// file. This is how the journal is "flushed as it happens" at the cost of a
// memcpy rather than a write() per event.
//
// The file is grown in windows; until close() trims it, it ends in zero
// bytes after the last append. Readers stop at the first zero byte.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace rung::detail {

class mapped_append_file {
 public:
  static constexpr std::size_t window_size = std::size_t{4} << 20U;  // a multiple of any page size

  // Opens `path` for appending after its current content (trailing zero
  // bytes from an earlier crash are overwritten), creating it if needed.
  explicit mapped_append_file(const std::filesystem::path& path) : path_(path) {
    descriptor_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (descriptor_ < 0) fail("cannot open");
    struct stat info {};
    if (::fstat(descriptor_, &info) != 0) fail("cannot stat");
    size_ = logical_size(static_cast<std::size_t>(info.st_size));
    map_window(size_ - size_ % window_size);
  }

  mapped_append_file(const mapped_append_file&) = delete;
  mapped_append_file& operator=(const mapped_append_file&) = delete;

  ~mapped_append_file() {
    try {
      close();
    } catch (...) {  // a destructor cannot report it; close() explicitly to see errors
    }
  }

  void append(std::string_view text) {
    while (!text.empty()) {
      if (size_ == window_start_ + window_size) map_window(size_);
      const std::size_t room = window_start_ + window_size - size_;
      const std::size_t chunk = std::min(room, text.size());
      std::memcpy(window_ + (size_ - window_start_), text.data(), chunk);
      size_ += chunk;
      text.remove_prefix(chunk);
    }
  }

  // Unmaps and trims the file to what was appended.
  void close() {
    if (descriptor_ < 0) return;
    unmap();
    const int trimmed = ::ftruncate(descriptor_, static_cast<off_t>(size_));
    ::close(descriptor_);
    descriptor_ = -1;
    if (trimmed != 0) fail("cannot trim");
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  // Content ends at the first zero byte of the last window (a crash leaves
  // the rest of the window zero).
  [[nodiscard]] std::size_t logical_size(std::size_t physical) const {
    if (physical == 0) return 0;
    std::string tail(std::min(physical, window_size), '\0');
    const auto offset = static_cast<off_t>(physical - tail.size());
    if (::pread(descriptor_, tail.data(), tail.size(), offset) != static_cast<ssize_t>(tail.size())) fail("cannot read");
    const auto last = tail.find_last_not_of('\0');
    return last == std::string::npos ? physical - tail.size() : physical - tail.size() + last + 1;
  }

  void map_window(std::size_t start) {
    unmap();
    if (::ftruncate(descriptor_, static_cast<off_t>(start + window_size)) != 0) fail("cannot grow");
    void* address = ::mmap(nullptr, window_size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor_,
                           static_cast<off_t>(start));
    if (address == MAP_FAILED) fail("cannot map");
    window_ = static_cast<char*>(address);
    window_start_ = start;
  }

  void unmap() noexcept {
    if (window_ != nullptr) ::munmap(window_, window_size);
    window_ = nullptr;
  }

  [[noreturn]] void fail(const char* what) const {
    throw std::system_error(errno, std::generic_category(), std::string(what) + " " + path_.string());
  }

  std::filesystem::path path_;
  int descriptor_ = -1;
  char* window_ = nullptr;
  std::size_t window_start_ = 0;
  std::size_t size_ = 0;
};

}  // namespace rung::detail
