// A 64-bit fingerprint of a configuration, for duplicate detection.
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>

#include "rung/concepts/config_space.hpp"

namespace rung::detail {

inline void hash_mix(std::uint64_t& hash, std::uint64_t value) {
  hash ^= value + 0x9E3779B97F4A7C15ULL + (hash << 6U) + (hash >> 2U);
}

template <class Space>
std::uint64_t config_hash(const Space& /*space*/, const typename Space::config_type& config) {
  std::uint64_t hash = 0xCBF29CE484222325ULL;
  config.for_each([&hash](std::string_view /*name*/, const auto& value) {
    using value_type = std::remove_cvref_t<decltype(value)>;
    if constexpr (std::is_same_v<value_type, double>) {
      hash_mix(hash, std::bit_cast<std::uint64_t>(value));
    } else if constexpr (std::is_integral_v<value_type>) {
      hash_mix(hash, static_cast<std::uint64_t>(value));
    } else {
      for (const char c : std::string_view(value)) hash_mix(hash, static_cast<unsigned char>(c));
    }
  });
  return hash;
}

}  // namespace rung::detail
