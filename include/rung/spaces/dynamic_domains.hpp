// Hyperparameter domains known only at run time (read from a JSON file): the
// compile-time domains of domains.hpp behind one variant, plus choice,
// ordinal and constant over scalar values. Every rule (sampling, encoding,
// midpoints, bounds checks) is the compile-time domains' own.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "rung/random.hpp"
#include "rung/spaces/detail/domain_errors.hpp"
#include "rung/spaces/detail/space_grid.hpp"
#include "rung/spaces/domains.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

namespace detail {
// Equal as hyperparameter values: 3 and 3.0 are the same number.
inline bool same_scalar(const scalar_value& left, const scalar_value& right) {
  if (holds_number(left) && holds_number(right)) return as_double(left) == as_double(right);
  return left == right;
}
}  // namespace detail

// choice (unordered, one-hot, default the first) or ordinal (ordered, one
// dimension, default the middle value), as finite_set.
struct dynamic_finite_set {
  using value_type = scalar_value;
  std::vector<scalar_value> values;
  bool ordered = false;

  [[nodiscard]] encoded_kind encoding_kind() const { return ordered ? encoded_kind::ordinal : encoded_kind::categorical; }

  void validate(std::string_view name) const {
    if (values.empty()) throw std::invalid_argument(detail::hyperparameter_message(name, "no values to choose from"));
    for (std::size_t i = 0; i < values.size(); ++i) {
      for (std::size_t j = i + 1; j < values.size(); ++j) {
        if (detail::same_scalar(values[i], values[j])) detail::choice_values_must_be_distinct(name, to_text(values[i]));
      }
    }
  }
  [[nodiscard]] std::size_t encoded_dims() const { return ordered ? 1 : values.size(); }
  [[nodiscard]] std::size_t index_of(const scalar_value& value) const {
    return static_cast<std::size_t>(
        std::find_if(values.begin(), values.end(),
                     [&value](const scalar_value& candidate) { return detail::same_scalar(candidate, value); }) -
        values.begin());
  }
  [[nodiscard]] scalar_value sample(random_stream& rng) const { return values[rng.index(values.size())]; }
  [[nodiscard]] bool contains(const scalar_value& value) const { return index_of(value) < values.size(); }
  void encode(const scalar_value& value, double* out) const {
    detail::encode_finite_choice(index_of(value), values.size(), ordered, out);
  }
  [[nodiscard]] scalar_value decode(const double* in) const {
    return values[detail::decode_finite_choice(in, values.size(), ordered)];
  }
  [[nodiscard]] scalar_value midpoint() const { return ordered ? values[values.size() / 2] : values.front(); }
  [[nodiscard]] std::uint64_t cardinality() const { return values.size(); }
  // The domain's own value (its alternative), so equal configurations compare equal.
  [[nodiscard]] std::optional<scalar_value> from_scalar(const scalar_value& value) const {
    const std::size_t index = index_of(value);
    if (index == values.size()) return std::nullopt;
    return values[index];
  }
  [[nodiscard]] std::string describe() const {
    std::string text = ordered ? "ordinal([" : "choice([";
    for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + to_text(values[i]);
    return text + "])";
  }
};

struct dynamic_constant {
  using value_type = scalar_value;
  scalar_value value;

  [[nodiscard]] static encoded_kind encoding_kind() { return encoded_kind::categorical; }
  void validate(std::string_view /*name*/) const {}
  [[nodiscard]] static std::size_t encoded_dims() { return 0; }
  [[nodiscard]] scalar_value sample(random_stream& /*rng*/) const { return value; }
  [[nodiscard]] bool contains(const scalar_value& candidate) const { return detail::same_scalar(candidate, value); }
  void encode(const scalar_value& /*value*/, double* /*out*/) const {}
  [[nodiscard]] scalar_value decode(const double* /*in*/) const { return value; }
  [[nodiscard]] scalar_value midpoint() const { return value; }
  [[nodiscard]] static std::uint64_t cardinality() { return 1; }
  [[nodiscard]] std::optional<scalar_value> from_scalar(const scalar_value& candidate) const {
    if (!contains(candidate)) return std::nullopt;
    return value;
  }
  [[nodiscard]] std::string describe() const { return to_text(value); }
};

// One hyperparameter's domain; values travel as scalar_value.
class dynamic_domain {
 public:
  using variant_type =
      std::variant<real_interval<false>, real_interval<true>, integer_interval<false>, integer_interval<true>,
                   finite_range<false>, finite_range<true>, dynamic_finite_set, dynamic_constant>;

  template <class Domain>
  dynamic_domain(std::string_view name, Domain domain) : domain_(std::move(domain)) {
    std::visit([name](const auto& held) { held.validate(name); }, domain_);
  }

  [[nodiscard]] scalar_value sample(random_stream& rng) const {
    return std::visit([&rng](const auto& held) { return scalar(held.sample(rng)); }, domain_);
  }
  [[nodiscard]] scalar_value midpoint() const {
    return std::visit([](const auto& held) { return scalar(held.midpoint()); }, domain_);
  }
  // The value in the domain's own type, or nothing when it is not in the domain.
  [[nodiscard]] std::optional<scalar_value> normalize(const scalar_value& value) const {
    return std::visit(
        [&value](const auto& held) -> std::optional<scalar_value> {
          const auto typed = held.from_scalar(value);
          if (!typed || !held.contains(*typed)) return std::nullopt;
          return scalar(*typed);
        },
        domain_);
  }
  [[nodiscard]] bool contains(const scalar_value& value) const {
    const auto typed = normalize(value);
    return typed && *typed == value;
  }
  [[nodiscard]] std::size_t encoded_dims() const {
    return std::visit(
        [](const auto& held) -> std::size_t {
          if constexpr (requires { held.encoded_dims(); }) {
            return held.encoded_dims();
          } else {
            return 1;
          }
        },
        domain_);
  }
  // This domain's entry in the space's encoding().
  [[nodiscard]] encoded_hyperparameter encoding(std::string_view name, std::size_t offset) const {
    return std::visit(
        [&](const auto& held) { return detail::encoded_description(name, held, offset, encoded_dims()); },
        domain_);
  }
  void encode(const scalar_value& value, double* out) const {
    std::visit(
        [&](const auto& held) {
          if constexpr (requires { held.to_unit(0); }) {
            out[0] = held.to_unit(*held.from_scalar(value));
          } else {
            held.encode(value, out);
          }
        },
        domain_);
  }
  [[nodiscard]] scalar_value decode(const double* in) const {
    return std::visit(
        [in](const auto& held) -> scalar_value {
          if constexpr (requires { held.from_unit(0.5); }) {
            return scalar(held.from_unit(in[0]));
          } else {
            return held.decode(in);
          }
        },
        domain_);
  }
  [[nodiscard]] std::optional<std::uint64_t> cardinality() const {
    return std::visit(
        [](const auto& held) -> std::optional<std::uint64_t> {
          if constexpr (requires { held.cardinality(); }) {
            return held.cardinality();
          } else {
            return std::nullopt;
          }
        },
        domain_);
  }
  [[nodiscard]] std::string describe() const {
    return std::visit([](const auto& held) { return held.describe(); }, domain_);
  }

  // The values this domain takes on the regular grid, as config_space's.
  [[nodiscard]] std::vector<scalar_value> grid_axis(std::size_t num_samples) const {
    return std::visit(
        [num_samples](const auto& held) {
          std::vector<scalar_value> axis;
          for (const auto& value : detail::grid_axis(held, num_samples)) axis.push_back(scalar(value));
          return axis;
        },
        domain_);
  }

  [[nodiscard]] const variant_type& variant() const noexcept { return domain_; }

 private:
  template <class Value>
  static scalar_value scalar(const Value& value) {
    if constexpr (std::is_same_v<Value, scalar_value>) {
      return value;
    } else {
      return to_scalar(value);
    }
  }

  variant_type domain_;
};

}  // namespace rung
