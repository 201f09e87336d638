// The process table (/proc), for tests that no process outlives its tuning.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace rung_test {

// The state letter and the parent of a process, from /proc/<pid>/stat;
// empty when there is no such process.
struct process_entry {
  std::string state;
  int parent = 0;
};

inline process_entry process_stat(const std::filesystem::path& proc_entry) {
  std::ifstream in(proc_entry / "stat");
  const std::string stat{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto close = stat.rfind(')');  // the command may hold spaces and parentheses
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 2));
  process_entry entry;
  fields >> entry.state >> entry.parent;
  return entry;
}

// Processes whose parent is `parent`, zombies included.
inline std::vector<int> children_of(int parent) {
  std::vector<int> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (process_stat(entry.path()).parent == parent) children.push_back(std::stoi(name));
  }
  return children;
}

// Running, sleeping or stopped; not a zombie, nor gone.
inline bool process_alive(int pid) {
  const auto state = process_stat("/proc/" + std::to_string(pid)).state;
  return !state.empty() && state != "Z" && state != "X";
}

}  // namespace rung_test
