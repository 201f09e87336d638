// A seeded pseudo-random permutation of [0, size) in O(1) memory: a balanced
// Feistel network on the smallest even-bit power of two >= size, with cycle
// walking to stay inside the range. Shuffles a grid of any size without
// materialising it.
#pragma once

#include <bit>
#include <cstdint>

#include "rung/random.hpp"

namespace rung::detail {

class index_permutation {
 public:
  index_permutation(std::uint64_t size, std::uint64_t seed) : size_(size) {
    const unsigned bits = size <= 1 ? 2U : static_cast<unsigned>(std::bit_width(size - 1));
    half_bits_ = (bits + 1U) / 2U;
    half_mask_ = (std::uint64_t{1} << half_bits_) - 1U;
    std::uint64_t state = seed;
    for (auto& key : keys_) key = splitmix64(state);
  }

  [[nodiscard]] std::uint64_t operator()(std::uint64_t index) const {
    std::uint64_t value = index;
    do {
      value = encrypt(value);
    } while (value >= size_);
    return value;
  }

 private:
  [[nodiscard]] std::uint64_t encrypt(std::uint64_t value) const {
    std::uint64_t left = value >> half_bits_;
    std::uint64_t right = value & half_mask_;
    for (const auto key : keys_) {
      std::uint64_t mixed = right ^ key;
      const std::uint64_t round = (splitmix64(mixed) & half_mask_) ^ left;
      left = right;
      right = round;
    }
    return (left << half_bits_) | right;
  }

  std::uint64_t size_;
  unsigned half_bits_;
  std::uint64_t half_mask_;
  std::uint64_t keys_[4]{};
};

}  // namespace rung::detail
