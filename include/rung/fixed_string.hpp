// A string usable as a template argument: hyperparameter names are part of
// the configuration's type, so reading an unknown name fails to compile.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace rung {

template <std::size_t N>
struct fixed_string {
  char chars[N]{};

  constexpr fixed_string(const char (&text)[N]) noexcept {  // NOLINT: implicit by design
    std::copy_n(text, N, chars);
  }

  [[nodiscard]] constexpr std::string_view view() const noexcept { return {chars, N - 1}; }
  [[nodiscard]] static constexpr std::size_t size() noexcept { return N - 1; }

  template <std::size_t M>
  [[nodiscard]] constexpr bool operator==(const fixed_string<M>& other) const noexcept {
    return view() == other.view();
  }
};

}  // namespace rung
