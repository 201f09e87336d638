// Exact arithmetic on a double as the dyadic rational it is (x = m * 2^e,
// m odd). Rung levels round(grace * eta^k) and the rank cut floor(n / eta)
// are decided at a rounding boundary, where a float pow or log can land on
// the wrong side (ln(1000)/ln(10) = 2.9999999999999996); computed exactly,
// they cannot.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "rung/random.hpp"

namespace rung::detail {

struct dyadic {
  std::uint64_t mantissa = 1;  // odd
  int exponent = 0;            // value = mantissa * 2^exponent
};

// x must be finite and positive.
[[nodiscard]] inline dyadic to_dyadic(double x) {
  int binary_exponent = 0;
  const double fraction = std::frexp(x, &binary_exponent);  // x = fraction * 2^binary_exponent, fraction in [0.5, 1)
  auto mantissa = static_cast<std::uint64_t>(std::ldexp(fraction, 53));  // exact: 53 significant bits
  int exponent = binary_exponent - 53;
  const int zeros = std::countr_zero(mantissa);
  return {mantissa >> zeros, exponent + zeros};
}

// floor(n / x) for x = to_dyadic(...) >= 1, exactly.
[[nodiscard]] inline std::uint64_t floor_divide(std::uint64_t n, const dyadic& x) {
  if (x.exponent >= 0) {
    if (x.exponent >= 64) return 0;
    const uint128 divisor = static_cast<uint128>(x.mantissa) << x.exponent;
    return static_cast<std::uint64_t>(n / divisor);
  }
  // n / (m * 2^-s) = n * 2^s / m, and s <= 52 for x >= 1, so n * 2^s fits in 128 bits.
  const uint128 numerator = static_cast<uint128>(n) << -x.exponent;
  return static_cast<std::uint64_t>(numerator / x.mantissa);
}

// An unsigned integer of any size, with just what rung levels need: multiply
// by a 64-bit factor, and read value * 2^shift rounded.
class big_unsigned {
 public:
  explicit big_unsigned(std::uint64_t value) : limbs_{value} {}

  void multiply(std::uint64_t factor) {
    uint128 carry = 0;
    for (auto& limb : limbs_) {
      carry += static_cast<uint128>(limb) * factor;
      limb = static_cast<std::uint64_t>(carry);
      carry >>= 64U;
    }
    if (carry != 0) limbs_.push_back(static_cast<std::uint64_t>(carry));
  }

  // floor(value * 2^shift) (shift may be negative), or nullopt when it is
  // 2^63 or more.
  [[nodiscard]] std::optional<std::uint64_t> floor_scaled(std::int64_t shift) const {
    if (shift >= 0) {
      if (static_cast<std::int64_t>(bit_width()) + shift > 63) return std::nullopt;
      return limbs_[0] << static_cast<unsigned>(shift);
    }
    const auto right = static_cast<std::size_t>(-shift);
    if (bit_width() > right + 63) return std::nullopt;
    std::uint64_t result = 0;
    for (std::size_t bit = 0; bit < 63; ++bit) {
      if (bit_at(right + bit)) result |= std::uint64_t{1} << bit;
    }
    return result;
  }

  // value * 2^shift rounded half to even (Python's round()), or nullopt when
  // the floor is 2^63 or more.
  [[nodiscard]] std::optional<std::uint64_t> round_scaled(std::int64_t shift) const {
    auto result = floor_scaled(shift);
    if (!result || shift >= 0) return result;
    const auto right = static_cast<std::size_t>(-shift);
    const bool half = bit_at(right - 1);
    const bool above_half = half && any_bit_below(right - 1);
    if (above_half || (half && (*result & 1U) != 0)) ++*result;
    return result;
  }

 private:
  [[nodiscard]] std::size_t bit_width() const {
    for (std::size_t i = limbs_.size(); i-- > 0;) {
      if (limbs_[i] != 0) return i * 64 + static_cast<std::size_t>(std::bit_width(limbs_[i]));
    }
    return 0;
  }
  [[nodiscard]] bool bit_at(std::size_t index) const {
    const std::size_t limb = index / 64;
    return limb < limbs_.size() && ((limbs_[limb] >> (index % 64)) & 1U) != 0;
  }
  [[nodiscard]] bool any_bit_below(std::size_t index) const {
    for (std::size_t limb = 0; limb * 64 < index && limb < limbs_.size(); ++limb) {
      const std::size_t bits = index - limb * 64;
      const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
      if ((limbs_[limb] & mask) != 0) return true;
    }
    return false;
  }

  std::vector<std::uint64_t> limbs_;  // least significant first
};

}  // namespace rung::detail
