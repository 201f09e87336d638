// Seeded, splittable random streams. The standard distributions are
// implementation-defined, so rung draws with its own: the same seed gives the
// same configurations and decisions with every compiler and standard library.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace rung {

namespace detail {
__extension__ using uint128 = unsigned __int128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet

constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}
}  // namespace detail

// xoshiro256** (Blackman and Vigna): fast, 256 bits of state, good equidistribution.
class random_stream {
 public:
  using result_type = std::uint64_t;

  constexpr explicit random_stream(std::uint64_t seed = 0) noexcept { reseed(seed); }

  constexpr void reseed(std::uint64_t seed) noexcept {
    std::uint64_t sm = seed;
    for (auto& word : state_) word = detail::splitmix64(sm);
  }

  // An independent stream for a sub-component (the searcher, the bracket
  // draw, ...), so that adding draws in one does not shift the other.
  [[nodiscard]] constexpr random_stream split(std::uint64_t stream_id) const noexcept {
    std::uint64_t sm = state_[0] ^ std::rotl(state_[3], 17) ^ (stream_id * 0xD1B54A32D192ED03ULL);
    return random_stream(detail::splitmix64(sm));
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

  constexpr result_type operator()() noexcept {
    const std::uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17U;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = std::rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  constexpr double uniform01() noexcept {
    return static_cast<double>((*this)() >> 11U) * 0x1.0p-53;
  }

  constexpr double uniform(double lower, double upper) noexcept {
    return lower + (upper - lower) * uniform01();
  }

  // Uniform integer in [lower, upper], both ends inclusive, without modulo bias
  // (Lemire's nearly-divisionless method).
  constexpr std::int64_t uniform_int(std::int64_t lower, std::int64_t upper) noexcept {
    const auto range = static_cast<std::uint64_t>(upper) - static_cast<std::uint64_t>(lower);
    if (range == std::numeric_limits<std::uint64_t>::max()) {
      return static_cast<std::int64_t>((*this)());
    }
    const std::uint64_t span = range + 1;
    detail::uint128 product = static_cast<detail::uint128>((*this)()) * span;
    auto low = static_cast<std::uint64_t>(product);
    if (low < span) {
      const std::uint64_t threshold = (0 - span) % span;
      while (low < threshold) {
        product = static_cast<detail::uint128>((*this)()) * span;
        low = static_cast<std::uint64_t>(product);
      }
    }
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lower) +
                                     static_cast<std::uint64_t>(product >> 64U));
  }

  // Uniform index in [0, count).
  constexpr std::size_t index(std::size_t count) noexcept {
    return static_cast<std::size_t>(uniform_int(0, static_cast<std::int64_t>(count) - 1));
  }

 private:
  std::uint64_t state_[4]{};
};

}  // namespace rung
