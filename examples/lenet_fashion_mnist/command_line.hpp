// A small command-line reader for the example and its benchmark: flags are
// --name value or --name=value, each must be one the program knows, and a
// value that does not parse is an error naming the flag and the value.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace lenet {

struct flag_help {
  std::string_view name;  // without the dashes
  std::string_view meaning;
};

class command_line {
 public:
  command_line(int argc, char** argv, std::vector<flag_help> known) : known_(std::move(known)) {
    for (int i = 1; i < argc; ++i) {
      std::string_view argument = argv[i];
      if (argument == "--help" || argument == "-h") {
        help_ = true;
        continue;
      }
      if (!argument.starts_with("--")) throw std::invalid_argument("unexpected argument '" + std::string(argument) + "'");
      argument.remove_prefix(2);
      std::string name(argument.substr(0, argument.find('=')));
      if (!is_known(name)) throw std::invalid_argument("unknown flag --" + name + " (see --help)");
      if (const auto equals = argument.find('='); equals != std::string_view::npos) {
        values_[name] = std::string(argument.substr(equals + 1));
      } else if (i + 1 < argc) {
        values_[name] = argv[++i];
      } else {
        throw std::invalid_argument("--" + name + " needs a value");
      }
    }
  }

  [[nodiscard]] bool help_requested() const noexcept { return help_; }

  [[nodiscard]] std::string usage(std::string_view program, std::string_view summary) const {
    std::string text = "usage: " + std::string(program) + " [flags]\n" + std::string(summary) + "\n";
    for (const auto& flag : known_) text += "  --" + std::string(flag.name) + "  " + std::string(flag.meaning) + "\n";
    return text;
  }

  [[nodiscard]] std::optional<std::string> text(std::string_view name) const {
    const auto found = values_.find(std::string(name));
    return found == values_.end() ? std::nullopt : std::optional(found->second);
  }

  // Sets `target` from the flag when it was given; leaves it otherwise.
  template <class T>
  void read(std::string_view name, T& target) const {
    if (const auto value = text(name)) target = parse<T>(name, *value);
  }

  template <class T>
  static T parse(std::string_view name, const std::string& value) {
    if constexpr (is_optional<T>::value) {
      return T(parse<typename T::value_type>(name, value));
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) {
      return T(value);
    } else {
      T parsed{};
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (error != std::errc{} || end != value.data() + value.size()) {
        throw std::invalid_argument("--" + std::string(name) + " '" + value + "': expected " +
                                    (std::is_floating_point_v<T> ? "a number" : "a whole number"));
      }
      return parsed;
    }
  }

 private:
  template <class T>
  struct is_optional : std::false_type {};
  template <class T>
  struct is_optional<std::optional<T>> : std::true_type {};

  [[nodiscard]] bool is_known(std::string_view name) const {
    for (const auto& flag : known_) {
      if (flag.name == name) return true;
    }
    return false;
  }

  std::vector<flag_help> known_;
  std::map<std::string, std::string, std::less<>> values_;
  bool help_ = false;
};

// A flag's comma-separated list of counts, each at least 1 ("1,2,4,8"), as
// the benchmarks take their worker and trial counts.
inline std::vector<std::size_t> parse_count_list(const std::string& flag, const std::string& text) {
  std::vector<std::size_t> counts;
  std::stringstream list(text);
  for (std::string item; std::getline(list, item, ',');) {
    counts.push_back(command_line::parse<std::size_t>(flag, item));
    if (counts.back() == 0) throw std::invalid_argument("--" + flag + " " + text + ": each count must be at least 1");
  }
  if (counts.empty()) throw std::invalid_argument("--" + flag + " '': expected a list such as 1,2,4");
  return counts;
}

}  // namespace lenet
