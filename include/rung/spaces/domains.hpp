// Hyperparameter domains: what values a hyperparameter may take, how to draw
// one, and how to map it to and from the unit cube (model-based searchers
// work there). Semantics follow Syne Tune's config_space: bounds inclusive,
// integers rounded half to even, categorical values one-hot encoded.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/random.hpp"
#include "rung/spaces/detail/domain_errors.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

namespace detail {
constexpr bool is_finite_number(double value) {
  return value == value && value < std::numeric_limits<double>::infinity() &&
         value > -std::numeric_limits<double>::infinity();
}

inline double clamp01(double value) { return std::clamp(value, 0.0, 1.0); }

// A choice is one-hot over its `count` values; an ordinal one coordinate,
// the centre of the value's cell.
inline void encode_finite_choice(std::size_t index, std::size_t count, bool ordered, double* out) {
  if (ordered) {
    out[0] = (static_cast<double>(index) + 0.5) / static_cast<double>(count);
  } else {
    for (std::size_t i = 0; i < count; ++i) out[i] = i == index ? 1.0 : 0.0;
  }
}

// The index encode_finite_choice came from, or the nearest.
inline std::size_t decode_finite_choice(const double* in, std::size_t count, bool ordered) {
  if (ordered) {
    const auto index = static_cast<std::size_t>(clamp01(in[0]) * static_cast<double>(count));
    return std::min(index, count - 1);
  }
  return static_cast<std::size_t>(std::max_element(in, in + count) - in);
}

// The checks every real-valued domain shares.
template <bool LogScale>
constexpr void validate_real_bounds(std::string_view name, double lower, double upper) {
  if (!is_finite_number(lower) || !is_finite_number(upper)) hyperparameter_bounds_must_be_finite(name, lower, upper);
  if (LogScale && !(lower > 0)) log_scale_lower_bound_must_be_positive(name, lower);
  if (!(lower < upper)) hyperparameter_lower_bound_must_be_below_upper_bound(name, lower, upper);
  // Values are lower + u (upper - lower): a width beyond the doubles would make every one of them upper.
  if (!LogScale && !is_finite_number(upper - lower)) hyperparameter_range_must_be_narrower(name, lower, upper);
}

// Where a log-scale domain does its arithmetic.
template <bool LogScale>
double to_internal(double value) {
  return LogScale ? std::log(value) : value;
}

// Python's round(): half to even, as Syne Tune casts integers. Saturates at
// int64's ends: a double at the top of a randint is 2^63, which no int64
// holds (the plain cast would be undefined); NaN gives the lowest.
inline std::int64_t round_half_even(double value) {
  const double rounded = std::nearbyint(value);
  if (!(rounded >= -0x1p63)) return std::numeric_limits<std::int64_t>::min();
  if (rounded >= 0x1p63) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(rounded);
}

// A domain's entry in a space's encoding(); the cardinality only where finite.
template <class Domain>
encoded_hyperparameter encoded_description(std::string_view name, const Domain& domain, std::size_t offset,
                                           std::size_t width) {
  encoded_hyperparameter described{.name = name, .kind = domain.encoding_kind(), .offset = offset, .width = width};
  if constexpr (requires { domain.cardinality(); }) described.num_values = domain.cardinality();
  return described;
}

inline std::string domain_text(std::string_view kind, const auto&... arguments) {
  std::string text(kind);
  text += '(';
  bool first = true;
  ((text += (first ? "" : ", "), text += to_text(arguments), first = false), ...);
  text += ')';
  return text;
}
}  // namespace detail

// uniform (linear) and loguniform (log) real intervals.
template <bool LogScale>
struct real_interval {
  using value_type = double;
  static constexpr std::size_t encoded_dims = 1;
  static constexpr bool is_finite = false;

  double lower{};
  double upper{};

  [[nodiscard]] static constexpr encoded_kind encoding_kind() { return encoded_kind::real; }

  constexpr void validate(std::string_view name) const {
    detail::validate_real_bounds<LogScale>(name, lower, upper);
  }

  [[nodiscard]] double sample(random_stream& rng) const { return from_unit(rng.uniform01()); }
  [[nodiscard]] double to_unit(double value) const {
    return detail::clamp01((to_internal(value) - to_internal(lower)) /
                           (to_internal(upper) - to_internal(lower)));
  }
  [[nodiscard]] double from_unit(double unit) const {
    const double internal =
        to_internal(lower) + detail::clamp01(unit) * (to_internal(upper) - to_internal(lower));
    return std::clamp(LogScale ? std::exp(internal) : internal, lower, upper);
  }
  [[nodiscard]] bool contains(double value) const { return value >= lower && value <= upper; }
  [[nodiscard]] double midpoint() const { return from_unit(0.5); }
  [[nodiscard]] std::optional<double> from_scalar(const scalar_value& value) const {
    if (!holds_number(value)) return std::nullopt;
    return as_double(value);
  }
  [[nodiscard]] std::string describe() const {
    return detail::domain_text(LogScale ? "loguniform" : "uniform", lower, upper);
  }

 private:
  static double to_internal(double value) { return detail::to_internal<LogScale>(value); }
};

// randint (linear) and lograndint (log) integer intervals, both ends inclusive.
template <bool LogScale>
struct integer_interval {
  using value_type = std::int64_t;
  static constexpr std::size_t encoded_dims = 1;
  static constexpr bool is_finite = true;

  std::int64_t lower{};
  std::int64_t upper{};

  [[nodiscard]] static constexpr encoded_kind encoding_kind() { return encoded_kind::integer; }

  constexpr void validate(std::string_view name) const {
    if (LogScale && lower < 1) detail::log_scale_integer_lower_bound_must_be_at_least_1(name, lower);
    if (!(lower < upper)) {
      detail::hyperparameter_lower_bound_must_be_below_upper_bound(
          name, static_cast<double>(lower), static_cast<double>(upper));
    }
  }

  [[nodiscard]] std::int64_t sample(random_stream& rng) const {
    if constexpr (LogScale) {
      // Syne Tune: log-uniform real draw, then rounded.
      const double draw = std::exp(rng.uniform(std::log(lower), std::log(upper)));
      return std::clamp(detail::round_half_even(draw), lower, upper);
    } else {
      return rng.uniform_int(lower, upper);
    }
  }
  // Each integer owns an equal cell of the unit interval (in log space for lograndint).
  [[nodiscard]] double to_unit(std::int64_t value) const {
    return detail::clamp01((to_internal(static_cast<double>(value)) - internal_lower()) /
                           (internal_upper() - internal_lower()));
  }
  [[nodiscard]] std::int64_t from_unit(double unit) const {
    const double internal =
        internal_lower() + detail::clamp01(unit) * (internal_upper() - internal_lower());
    const double value = LogScale ? std::exp(internal) : internal;
    return std::clamp(detail::round_half_even(value), lower, upper);
  }
  [[nodiscard]] bool contains(std::int64_t value) const { return value >= lower && value <= upper; }
  [[nodiscard]] std::int64_t midpoint() const {
    // Halves first: lower + upper may be beyond int64 (randint(2^62, 2^63 - 1)).
    const double mid = LogScale ? std::exp(0.5 * (std::log(lower) + std::log(upper)))
                                : 0.5 * static_cast<double>(lower) + 0.5 * static_cast<double>(upper);
    return std::clamp(detail::round_half_even(mid), lower, upper);
  }
  // Unsigned: upper - lower may be beyond int64; the full int64 range (2^64 values) saturates.
  [[nodiscard]] std::uint64_t cardinality() const {
    const std::uint64_t width = static_cast<std::uint64_t>(upper) - static_cast<std::uint64_t>(lower);
    return width == std::numeric_limits<std::uint64_t>::max() ? width : width + 1;
  }
  [[nodiscard]] std::optional<std::int64_t> from_scalar(const scalar_value& value) const {
    if (const auto* integer = std::get_if<std::int64_t>(&value)) return *integer;
    if (const auto* real = std::get_if<double>(&value); real && std::trunc(*real) == *real) {
      return static_cast<std::int64_t>(*real);
    }
    return std::nullopt;
  }
  [[nodiscard]] std::string describe() const {
    return detail::domain_text(LogScale ? "lograndint" : "randint", lower, upper);
  }

 private:
  static double to_internal(double value) { return detail::to_internal<LogScale>(value); }
  [[nodiscard]] double internal_lower() const { return to_internal(static_cast<double>(lower) - 0.5); }
  [[nodiscard]] double internal_upper() const { return to_internal(static_cast<double>(upper) + 0.5); }
};

// choice (unordered: one-hot encoded, default value the first) and ordinal
// (ordered: one dimension, default value the middle one).
template <class Value, std::size_t N, bool Ordered>
struct finite_set {
  static_assert(N >= 1, "a choice or ordinal needs at least one value");
  using value_type = Value;
  static constexpr std::size_t encoded_dims = Ordered ? 1 : N;
  static constexpr bool is_finite = true;

  std::array<Value, N> values{};

  [[nodiscard]] static constexpr encoded_kind encoding_kind() {
    return Ordered ? encoded_kind::ordinal : encoded_kind::categorical;
  }

  constexpr void validate(std::string_view name) const {
    for (std::size_t i = 0; i < N; ++i) {
      for (std::size_t j = i + 1; j < N; ++j) {
        if (values[i] == values[j]) detail::choice_values_must_be_distinct(name, detail::to_text(values[i]));
      }
    }
  }

  [[nodiscard]] Value sample(random_stream& rng) const { return values[rng.index(N)]; }
  [[nodiscard]] std::size_t index_of(const Value& value) const {
    return static_cast<std::size_t>(std::find(values.begin(), values.end(), value) - values.begin());
  }
  [[nodiscard]] bool contains(const Value& value) const { return index_of(value) < N; }
  void encode(const Value& value, double* out) const { detail::encode_finite_choice(index_of(value), N, Ordered, out); }
  [[nodiscard]] Value decode(const double* in) const { return values[detail::decode_finite_choice(in, N, Ordered)]; }
  [[nodiscard]] Value midpoint() const { return Ordered ? values[N / 2] : values[0]; }
  [[nodiscard]] std::uint64_t cardinality() const { return N; }
  // Strings come back as the domain's own view, so configurations never
  // point into a parsed document.
  [[nodiscard]] std::optional<Value> from_scalar(const scalar_value& value) const {
    for (const auto& candidate : values) {
      if (to_scalar(candidate) == value ||
          (holds_number(value) && holds_number(to_scalar(candidate)) &&
           as_double(to_scalar(candidate)) == as_double(value))) {
        return candidate;
      }
    }
    return std::nullopt;
  }
  [[nodiscard]] std::string describe() const {
    std::string text = Ordered ? "ordinal([" : "choice([";
    for (std::size_t i = 0; i < N; ++i) text += (i ? ", " : "") + detail::to_text(values[i]);
    return text + "])";
  }
};

// finrange (equally spaced) and logfinrange (equally spaced in log space).
template <bool LogScale>
struct finite_range {
  using value_type = double;
  static constexpr std::size_t encoded_dims = 1;
  static constexpr bool is_finite = true;

  double lower{};
  double upper{};
  std::int64_t size{};

  [[nodiscard]] static constexpr encoded_kind encoding_kind() { return encoded_kind::ordinal; }

  constexpr void validate(std::string_view name) const {
    detail::validate_real_bounds<LogScale>(name, lower, upper);
    if (size < 2) detail::finite_range_needs_at_least_2_values(name, size);
  }

  [[nodiscard]] double value_at(std::int64_t index) const {
    const double step = (to_internal(upper) - to_internal(lower)) / static_cast<double>(size - 1);
    const double internal = to_internal(lower) + static_cast<double>(index) * step;
    return std::clamp(LogScale ? std::exp(internal) : internal, lower, upper);
  }
  [[nodiscard]] std::int64_t nearest_index(double value) const {
    const double step = (to_internal(upper) - to_internal(lower)) / static_cast<double>(size - 1);
    const double position = (to_internal(std::clamp(value, lower, upper)) - to_internal(lower)) / step;
    return std::clamp<std::int64_t>(detail::round_half_even(position), 0, size - 1);
  }
  [[nodiscard]] double sample(random_stream& rng) const { return value_at(rng.uniform_int(0, size - 1)); }
  [[nodiscard]] double to_unit(double value) const {
    return (static_cast<double>(nearest_index(value)) + 0.5) / static_cast<double>(size);
  }
  [[nodiscard]] double from_unit(double unit) const {
    const auto index = static_cast<std::int64_t>(detail::clamp01(unit) * static_cast<double>(size));
    return value_at(std::min(index, size - 1));
  }
  [[nodiscard]] bool contains(double value) const {
    return value >= lower && value <= upper && value_at(nearest_index(value)) == value;
  }
  [[nodiscard]] double midpoint() const { return value_at(nearest_index(decode_mid())); }
  [[nodiscard]] std::uint64_t cardinality() const { return static_cast<std::uint64_t>(size); }
  [[nodiscard]] std::optional<double> from_scalar(const scalar_value& value) const {
    if (!holds_number(value)) return std::nullopt;
    return as_double(value);
  }
  [[nodiscard]] std::string describe() const {
    return detail::domain_text(LogScale ? "logfinrange" : "finrange", lower, upper, size);
  }

 private:
  static double to_internal(double value) { return detail::to_internal<LogScale>(value); }
  [[nodiscard]] double decode_mid() const {
    const double mid = 0.5 * (to_internal(lower) + to_internal(upper));
    return LogScale ? std::exp(mid) : mid;
  }
};

// A value passed through to every trial unchanged (the seeds' max_epochs).
template <class Value>
struct constant_value {
  using value_type = Value;
  static constexpr std::size_t encoded_dims = 0;
  static constexpr bool is_finite = true;

  Value value{};

  [[nodiscard]] static constexpr encoded_kind encoding_kind() { return encoded_kind::categorical; }
  constexpr void validate(std::string_view /*name*/) const {}
  [[nodiscard]] Value sample(random_stream& /*rng*/) const { return value; }
  [[nodiscard]] bool contains(const Value& candidate) const { return candidate == value; }
  [[nodiscard]] Value midpoint() const { return value; }
  [[nodiscard]] std::uint64_t cardinality() const { return 1; }
  [[nodiscard]] std::optional<Value> from_scalar(const scalar_value& scalar) const {
    if (to_scalar(value) == scalar ||
        (holds_number(scalar) && holds_number(to_scalar(value)) &&
         as_double(to_scalar(value)) == as_double(scalar))) {
      return value;
    }
    return std::nullopt;
  }
  [[nodiscard]] std::string describe() const { return detail::to_text(value); }
};

}  // namespace rung
