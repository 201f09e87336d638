// A configuration space: a compile-time composition of named hyperparameters.
//
//   constexpr auto space = rung::config_space(
//       rung::loguniform<"learning_rate">(1e-2, 1.0),
//       rung::randint<"batch_size">(32, 256),
//       rung::constant<"max_epochs">(10));
//   auto config = space.sample(rng);
//   double lr = config.get<"learning_rate">();
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>
#include <algorithm>

#include "rung/concepts/config_space.hpp"
#include "rung/random.hpp"
#include "rung/spaces/configuration.hpp"
#include "rung/spaces/detail/domain_errors.hpp"
#include "rung/spaces/detail/space_grid.hpp"
#include "rung/spaces/hyperparameters.hpp"
#include "rung/util/json_write.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

template <class... Hyperparameters>
class config_space {
  static_assert(sizeof...(Hyperparameters) > 0, "rung::config_space needs at least one hyperparameter");
  static_assert(detail::names_are_distinct<Hyperparameters...>(),
                "rung::config_space: two hyperparameters share a name");

 public:
  using config_type = configuration<Hyperparameters...>;
  using partial_type = partial_configuration<Hyperparameters...>;
  static constexpr std::size_t size = sizeof...(Hyperparameters);
  // Folded from 0: with no hyperparameters, the assertion above is the only error.
  static constexpr std::size_t encoded_dims = (std::size_t{0} + ... + Hyperparameters::encoded_dims);
  static constexpr bool is_finite = (Hyperparameters::domain_type::is_finite && ...);
  using encoded_type = std::array<double, encoded_dims>;

  constexpr explicit config_space(Hyperparameters... hyperparameters)
      : hyperparameters_(std::move(hyperparameters)...) {}

  [[nodiscard]] static constexpr std::array<std::string_view, size> names() {
    return {Hyperparameters::name...};
  }

  [[nodiscard]] constexpr const std::tuple<Hyperparameters...>& hyperparameters() const noexcept {
    return hyperparameters_;
  }

  [[nodiscard]] config_type sample(random_stream& rng) const {
    return transform([&rng](const auto& hp) { return hp.domain.sample(rng); });
  }

  // The default configuration: every domain's midpoint (Syne Tune's rule).
  [[nodiscard]] config_type midpoint() const {
    return transform([](const auto& hp) { return hp.domain.midpoint(); });
  }

  [[nodiscard]] static constexpr partial_type partial() { return {}; }

  // Fills what `partial` leaves open with midpoints; a value outside its
  // domain throws std::invalid_argument naming the hyperparameter and value.
  [[nodiscard]] config_type complete(const partial_type& partial) const {
    return transform_indexed([&]<std::size_t I>(const auto& hp) {
      const auto& given = std::get<I>(partial.values());
      if (!given) return hp.domain.midpoint();
      if (!hp.domain.contains(*given)) {
        detail::value_outside_hyperparameter_domain(hp.name, detail::to_text(*given), hp.domain.describe());
      }
      return *given;
    });
  }

  [[nodiscard]] bool contains(const config_type& config) const {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (std::get<I>(hyperparameters_).domain.contains(std::get<I>(config.values())) && ...);
    }(std::make_index_sequence<size>{});
  }

  // Number of distinct configurations, saturating; nullopt when a domain is continuous.
  [[nodiscard]] std::optional<std::uint64_t> cardinality() const {
    if constexpr (!is_finite) {
      return std::nullopt;
    } else {
      std::uint64_t total = 1;
      std::apply(
          [&](const auto&... hp) { ((total = detail::multiply_saturating(total, hp.domain.cardinality())), ...); },
          hyperparameters_);
      return total;
    }
  }

  [[nodiscard]] encoded_type encode(const config_type& config) const {
    encoded_type encoded{};
    double* out = encoded.data();
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((std::get<I>(hyperparameters_).encode(std::get<I>(config.values()), out),
        out += Hyperparameters::encoded_dims),
       ...);
    }(std::make_index_sequence<size>{});
    return encoded;
  }

  [[nodiscard]] config_type decode(std::span<const double, encoded_dims> unit) const {
    const double* in = unit.data();
    return transform([&in](const auto& hp) {
      auto value = hp.decode(in);
      in += hp.encoded_dims;
      return value;
    });
  }
  // The same from a point held at run time (a model-based searcher's); it
  // must have encoded_size() coordinates. A template, so that an encoded_type
  // still picks the overload above.
  template <std::size_t Extent>
    requires(Extent == std::dynamic_extent)
  [[nodiscard]] config_type decode(std::span<const double, Extent> unit) const {
    if (unit.size() != encoded_dims) detail::encoded_point_has_wrong_size(unit.size(), encoded_dims);
    return decode(unit.template first<encoded_dims>());
  }

  [[nodiscard]] static constexpr std::size_t encoded_size() noexcept { return encoded_dims; }

  // How each hyperparameter's coordinates are read (EncodableSpace).
  [[nodiscard]] std::array<encoded_hyperparameter, size> encoding() const {
    std::array<encoded_hyperparameter, size> described{};
    std::size_t index = 0;
    std::size_t offset = 0;
    std::apply(
        [&](const auto&... hp) {
          ((described[index++] = detail::encoded_description(hp.name, hp.domain, offset, hp.encoded_dims),
            offset += hp.encoded_dims),
           ...);
        },
        hyperparameters_);
    return described;
  }

  // {"learning_rate":0.1,"batch_size":128}
  void append_json(std::string& out, const config_type& config) const {
    detail::append_config_json(out, config);
  }

  // Builds a configuration from values found by name (a parsed JSON object,
  // a results row): find(name) returns a const scalar_value* or nullptr.
  // A missing or out-of-domain value throws std::invalid_argument naming it.
  template <class Find>
  [[nodiscard]] config_type from_scalars(Find&& find) const {
    return transform([&find](const auto& hp) {
      const scalar_value* found = find(hp.name);
      if (found == nullptr) {
        throw std::invalid_argument(detail::hyperparameter_message(hp.name, "no value given"));
      }
      auto value = hp.domain.from_scalar(*found);
      if (!value || !hp.domain.contains(*value)) {
        detail::value_outside_hyperparameter_domain(hp.name, to_text(*found), hp.domain.describe());
      }
      return *value;
    });
  }

  // The regular grid over the space (Syne Tune's GridSearcher): every value
  // of a finite domain, and for an interval the centres of `num_samples`
  // equal cells of its unit encoding (integers: at most one per value).
  class grid_type {
   public:
    [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
    [[nodiscard]] config_type at(std::uint64_t index) const {
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        typename config_type::values_type values{};
        // The last hyperparameter varies fastest, as itertools.product does.
        ((std::get<config_space::size - 1 - I>(values) =
              pick(std::get<config_space::size - 1 - I>(axes_), index)),
         ...);
        return config_type(std::move(values));
      }(std::make_index_sequence<config_space::size>{});
    }

   private:
    friend class config_space;
    template <class Axis>
    static typename Axis::value_type pick(const Axis& axis, std::uint64_t& index) {
      const auto position = index % axis.size();
      index /= axis.size();
      return axis[position];
    }
    std::tuple<std::vector<typename Hyperparameters::value_type>...> axes_;
    std::uint64_t size_ = 1;
  };

  [[nodiscard]] grid_type grid(std::size_t num_samples) const {
    grid_type grid;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((std::get<I>(grid.axes_) = detail::grid_axis(std::get<I>(hyperparameters_).domain, num_samples),
        grid.size_ = detail::multiply_saturating(grid.size_, std::get<I>(grid.axes_).size())),
       ...);
    }(std::make_index_sequence<size>{});
    return grid;
  }

  // {"learning_rate":"loguniform(0.01, 1)",...}, for metadata.json.
  [[nodiscard]] std::string describe_json() const {
    std::string out = "{";
    std::apply(
        [&](const auto&... hp) {
          bool first = true;
          ((out += first ? "" : ",", first = false, detail::append_json_key(out, hp.name),
            detail::append_json_string(out, hp.domain.describe())),
           ...);
        },
        hyperparameters_);
    return out + "}";
  }

 private:
  template <class Function>
  config_type transform(Function&& function) const {
    // Braced initialisation keeps left-to-right order, so draws are reproducible.
    return std::apply(
        [&](const auto&... hp) {
          return config_type(typename config_type::values_type{function(hp)...});
        },
        hyperparameters_);
  }

  template <class Function>
  config_type transform_indexed(Function&& function) const {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return config_type(typename config_type::values_type{
          function.template operator()<I>(std::get<I>(hyperparameters_))...});
    }(std::make_index_sequence<size>{});
  }

  std::tuple<Hyperparameters...> hyperparameters_;
};

}  // namespace rung
