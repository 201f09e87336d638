// The journal's file. Each append is one complete line in one write(2) on an
// O_APPEND descriptor: when it returns, the line is in the kernel's page
// cache, so a crash of the process loses nothing appended, and the file is
// valid JSON Lines at every moment. (A SIGKILL during the call could at worst
// cut a line that straddles a page boundary; it would be the last line,
// which a resume cuts off.) The file is locked (flock) while open, so two
// tunings cannot append to one journal. What a power loss can take depends
// on the sync policy: see rung/journal_sync.hpp.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "rung/journal_sync.hpp"

namespace rung::detail {

[[noreturn]] inline void fail_on(const std::filesystem::path& path, const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string(what) + " " + path.string());
}

// Writes all of `text` (a write to a regular file may stop short of it on a
// full disk); false with errno set on failure.
inline bool write_fully(int descriptor, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(descriptor, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      if (written == 0) errno = EIO;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// Makes a file's creation or renaming in `directory` survive a power loss.
inline void sync_directory(const std::filesystem::path& directory) {
  const int descriptor = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (descriptor < 0) fail_on(directory, "cannot open");
  const int synced = ::fsync(descriptor);
  ::close(descriptor);
  if (synced != 0) fail_on(directory, "cannot sync");
}

class journal_file {
 public:
  enum class open_mode : std::uint8_t { create, append };

  // create: a new file (one that exists is an error: another tuning wrote
  // it). append: an existing one, to go on after cut_to().
  journal_file(std::filesystem::path path, open_mode mode, journal_sync sync) : path_(std::move(path)), sync_(sync) {
    const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (mode == open_mode::create ? O_CREAT | O_EXCL : 0);
    descriptor_ = ::open(path_.c_str(), flags, 0644);
    if (descriptor_ < 0) fail_on(path_, mode == open_mode::create ? "cannot create" : "cannot open");
    // A file system without locks (ENOLCK, EOPNOTSUPP) leaves the journal unguarded, as before.
    try {
      if (::flock(descriptor_, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        throw std::invalid_argument(path_.string() + " is in use by another tuning (it holds the file's lock)");
      }
      const off_t end = ::lseek(descriptor_, 0, SEEK_END);
      if (end < 0) fail_on(path_, "cannot seek in");
      size_ = static_cast<std::uintmax_t>(end);
      if (mode == open_mode::create && sync_ != journal_sync::none) sync_directory(path_.parent_path());
    } catch (...) {
      ::close(descriptor_);
      throw;
    }
  }

  journal_file(const journal_file&) = delete;
  journal_file& operator=(const journal_file&) = delete;

  ~journal_file() {
    try {
      close();
    } catch (...) {  // a destructor cannot report it; close() explicitly to see errors
    }
  }

  // Cuts the file to its first `size` bytes: a partial last line goes
  // before anything is appended after it.
  void cut_to(std::uintmax_t size) {
    if (::ftruncate(descriptor_, static_cast<off_t>(size)) != 0) fail_on(path_, "cannot truncate");
    size_ = size;
    if (sync_ != journal_sync::none && ::fdatasync(descriptor_) != 0) fail_on(path_, "cannot sync");
  }

  // `line` ends in '\n'. A write that fails part-way (a full disk) is undone,
  // so the file still ends in a complete line. While grouping, lines wait
  // for commit().
  void append(std::string_view line) {
    if (grouping_) {
      pending_ += line;
      return;
    }
    write_lines(line);
  }

  // Group commit: from now on lines are written together at commit(), one
  // write(2) (and under every_event one sync) for all of them. A driver that
  // acts on events only at certain points (the MPI coordinator sends its
  // decisions in one go) commits there, before acting: what it acted upon is
  // in the file as surely as with a write per line, at a fraction of the calls.
  void group_lines() noexcept { grouping_ = true; }
  void commit() {
    if (pending_.empty()) return;
    write_lines(pending_);
    pending_.clear();
  }

  // The periodic policy's point of sync (the results' flush).
  void checkpoint() {
    commit();
    if (sync_ == journal_sync::periodic) sync();
  }

  void close() {
    if (descriptor_ < 0) return;
    commit();
    const bool synced = sync_ == journal_sync::none || ::fdatasync(descriptor_) == 0;
    const int error = errno;
    ::close(descriptor_);  // releases the lock
    descriptor_ = -1;
    errno = error;
    if (!synced) fail_on(path_, "cannot sync");
  }

 private:
  void sync() {
    if (::fdatasync(descriptor_) != 0) fail_on(path_, "cannot sync");
  }

  void write_lines(std::string_view lines) {
    if (!write_fully(descriptor_, lines)) {
      const int error = errno;
      (void)::ftruncate(descriptor_, static_cast<off_t>(size_));
      errno = error;
      fail_on(path_, "cannot write");
    }
    size_ += lines.size();
    if (sync_ == journal_sync::every_event) sync();
  }

  std::filesystem::path path_;
  journal_sync sync_;
  bool grouping_ = false;
  std::string pending_;  // lines appended while grouping, not yet written
  int descriptor_ = -1;
  std::uintmax_t size_ = 0;  // what the file holds: where a failed write is cut back to
};

}  // namespace rung::detail
