// A configuration space built at run time, from JSON, for programs that
// cannot know the hyperparameters when they are compiled (rung-tune). It
// models the ConfigSpace concept, so every searcher and scheduler takes it.
//
//   auto space = rung::dynamic_config_space::from_json(R"({
//     "learning_rate": {"type": "loguniform", "lower": 1e-4, "upper": 0.1},
//     "batch_size": {"type": "randint", "lower": 16, "upper": 128},
//     "optimizer": {"type": "choice", "values": ["sgd", "adam"]},
//     "epochs": 27})");               // a bare value is a constant
//   auto config = space.sample(rng);
//   rung::as_double(config.at("learning_rate"));
//
// Types: uniform, loguniform, randint, lograndint (lower, upper); finrange,
// logfinrange (lower, upper, size); choice, ordinal (values); constant (value).
// A constant list or object ("layers": [64, 32], or {"type": "constant",
// "value": {...}}) is no hyperparameter: json_constants() keeps it as JSON
// text for subprocess_options::json_constants to pass to the program.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/random.hpp"
#include "rung/spaces/detail/domain_errors.hpp"
#include "rung/spaces/detail/space_grid.hpp"
#include "rung/spaces/dynamic_domains.hpp"
#include "rung/spaces/dynamic_space_json.hpp"
#include "rung/util/json_write.hpp"
#include "rung/util/scalar.hpp"

namespace rung {

// A configuration of a dynamic_config_space: one scalar per hyperparameter.
class dynamic_configuration {
 public:
  dynamic_configuration() = default;
  dynamic_configuration(std::shared_ptr<const std::vector<std::string>> names, std::vector<scalar_value> values)
      : names_(std::move(names)), values_(std::move(values)) {}

  // The value of a hyperparameter; std::invalid_argument when there is none of that name.
  [[nodiscard]] const scalar_value& at(std::string_view name) const {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      if ((*names_)[i] == name) return values_[i];
    }
    throw std::invalid_argument("configuration: no hyperparameter '" + std::string(name) + "'");
  }
  [[nodiscard]] const std::vector<scalar_value>& values() const noexcept { return values_; }

  // Calls visit(name, value) per hyperparameter with the value's own type
  // (std::int64_t, double or std::string), as a compile-time configuration does.
  template <class Visitor>
  void for_each(Visitor&& visit) const {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      std::visit([&](const auto& held) { visit(std::string_view((*names_)[i]), held); }, values_[i]);
    }
  }

  friend bool operator==(const dynamic_configuration& left, const dynamic_configuration& right) {
    return left.values_ == right.values_;
  }

 private:
  std::shared_ptr<const std::vector<std::string>> names_;
  std::vector<scalar_value> values_;
};

class dynamic_config_space {
 public:
  using config_type = dynamic_configuration;
  // Values by name, for the hyperparameters given (points_to_evaluate).
  using partial_type = std::map<std::string, scalar_value, std::less<>>;

  // From a JSON object {"name": domain, ...}; errors name the field and value,
  // e.g. `config_space.lr.lower = "x": must be a number`.
  static dynamic_config_space from_json(std::string_view text, std::string_view where = "config_space") {
    return from_json_value(detail::parse_json(text), where);
  }
  static dynamic_config_space from_json_value(const detail::json_value& document,
                                              std::string_view where = "config_space") {
    dynamic_config_space space;
    auto parts = detail::read_dynamic_space(document, where);
    for (auto& [name, domain] : parts.domains) space.add(std::move(name), std::move(domain));
    for (auto& [name, text] : parts.json_constants) space.add_json_constant(std::move(name), std::move(text));
    if (space.domains_.empty())
      throw std::invalid_argument(std::string(where) + " = {}: needs at least one hyperparameter");
    return space;
  }

  // Adds a hyperparameter; its name must be new.
  void add(std::string name, dynamic_domain domain) {
    require_new_name(name);
    auto names = std::make_shared<std::vector<std::string>>(*names_);
    names->push_back(std::move(name));
    names_ = std::move(names);
    domains_.push_back(std::move(domain));
  }
  // Adds a constant given to every trial as it is, a list or an object as JSON text; its name must be new.
  void add_json_constant(std::string name, std::string json) {
    require_new_name(name);
    json_constants_.emplace_back(std::move(name), std::move(json));
  }

  [[nodiscard]] const std::vector<std::string>& names() const noexcept { return *names_; }
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& json_constants() const noexcept {
    return json_constants_;
  }
  [[nodiscard]] const std::vector<dynamic_domain>& domains() const noexcept { return domains_; }

  [[nodiscard]] config_type sample(random_stream& rng) const {
    return transform([&rng](const dynamic_domain& domain) { return domain.sample(rng); });
  }
  [[nodiscard]] config_type midpoint() const {
    return transform([](const dynamic_domain& domain) { return domain.midpoint(); });
  }
  // Fills what `partial` leaves open with midpoints; a value outside its
  // domain, or a name not in the space, throws std::invalid_argument.
  [[nodiscard]] config_type complete(const partial_type& partial) const {
    for (const auto& [name, value] : partial) {
      if (std::find(names_->begin(), names_->end(), name) == names_->end()) {
        throw std::invalid_argument(detail::hyperparameter_message(name, "not in the configuration space"));
      }
    }
    std::size_t index = 0;
    return transform([&](const dynamic_domain& domain) {
      const auto& name = (*names_)[index++];
      const auto given = partial.find(name);
      return given == partial.end() ? domain.midpoint() : checked(name, domain, given->second);
    });
  }
  [[nodiscard]] bool contains(const config_type& config) const {
    if (config.values().size() != domains_.size()) return false;
    for (std::size_t i = 0; i < domains_.size(); ++i) {
      if (!domains_[i].contains(config.values()[i])) return false;
    }
    return true;
  }
  [[nodiscard]] std::optional<std::uint64_t> cardinality() const {
    std::uint64_t total = 1;
    for (const auto& domain : domains_) {
      const auto count = domain.cardinality();
      if (!count) return std::nullopt;
      total = detail::multiply_saturating(total, *count);
    }
    return total;
  }
  [[nodiscard]] std::vector<double> encode(const config_type& config) const {
    std::vector<double> encoded;
    for (std::size_t i = 0; i < domains_.size(); ++i) {
      const std::size_t at = encoded.size();
      encoded.resize(at + domains_[i].encoded_dims());
      domains_[i].encode(config.values()[i], encoded.data() + at);
    }
    return encoded;
  }
  // A point of encoded_size() coordinates back to a configuration.
  [[nodiscard]] config_type decode(std::span<const double> unit) const {
    if (unit.size() != encoded_size()) detail::encoded_point_has_wrong_size(unit.size(), encoded_size());
    const double* in = unit.data();
    return transform([&in](const dynamic_domain& domain) {
      auto value = domain.decode(in);
      in += domain.encoded_dims();
      return value;
    });
  }
  [[nodiscard]] std::size_t encoded_size() const {
    std::size_t total = 0;
    for (const auto& domain : domains_) total += domain.encoded_dims();
    return total;
  }
  // How each hyperparameter's coordinates are read (EncodableSpace); the
  // names are views valid until the next add().
  [[nodiscard]] std::vector<encoded_hyperparameter> encoding() const {
    std::vector<encoded_hyperparameter> described;
    described.reserve(domains_.size());
    std::size_t offset = 0;
    for (std::size_t i = 0; i < domains_.size(); ++i) {
      described.push_back(domains_[i].encoding((*names_)[i], offset));
      offset += domains_[i].encoded_dims();
    }
    return described;
  }
  void append_json(std::string& out, const config_type& config) const {
    detail::append_config_json(out, config);
  }
  template <class Find>
  [[nodiscard]] config_type from_scalars(Find&& find) const {
    std::size_t index = 0;
    return transform([&](const dynamic_domain& domain) {
      const auto& name = (*names_)[index++];
      const scalar_value* found = find(std::string_view(name));
      if (found == nullptr) throw std::invalid_argument(detail::hyperparameter_message(name, "no value given"));
      return checked(name, domain, *found);
    });
  }
  [[nodiscard]] std::string describe_json() const {
    std::string out = "{";
    for (std::size_t i = 0; i < domains_.size(); ++i) {
      if (i > 0) out += ',';
      detail::append_json_key(out, (*names_)[i]);
      detail::append_json_string(out, domains_[i].describe());
    }
    return out + "}";
  }

  // The regular grid (Syne Tune's GridSearcher), the last hyperparameter varying fastest.
  class grid_type {
   public:
    [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
    [[nodiscard]] config_type at(std::uint64_t index) const {
      std::vector<scalar_value> values(axes_.size());
      for (std::size_t i = axes_.size(); i-- > 0;) {
        values[i] = axes_[i][index % axes_[i].size()];
        index /= axes_[i].size();
      }
      return {names_, std::move(values)};
    }

   private:
    friend class dynamic_config_space;
    std::shared_ptr<const std::vector<std::string>> names_;
    std::vector<std::vector<scalar_value>> axes_;
    std::uint64_t size_ = 1;
  };
  [[nodiscard]] grid_type grid(std::size_t num_samples) const {
    grid_type grid;
    grid.names_ = names_;
    for (const auto& domain : domains_) {
      grid.axes_.push_back(domain.grid_axis(num_samples));
      grid.size_ = detail::multiply_saturating(grid.size_, grid.axes_.back().size());
    }
    return grid;
  }

 private:
  template <class Function>
  config_type transform(Function&& function) const {
    std::vector<scalar_value> values;
    values.reserve(domains_.size());
    for (const auto& domain : domains_) values.push_back(function(domain));  // in order: draws reproduce
    return {names_, std::move(values)};
  }

  void require_new_name(const std::string& name) const {
    const auto is_name = [&name](const auto& constant) { return constant.first == name; };
    if (std::find(names_->begin(), names_->end(), name) != names_->end() ||
        std::any_of(json_constants_.begin(), json_constants_.end(), is_name)) {
      throw std::invalid_argument("hyperparameter '" + name + "': defined twice");
    }
  }

  static scalar_value checked(const std::string& name, const dynamic_domain& domain, const scalar_value& value) {
    auto normalized = domain.normalize(value);
    if (!normalized) detail::value_outside_hyperparameter_domain(name, to_text(value), domain.describe());
    return std::move(*normalized);
  }

  std::shared_ptr<const std::vector<std::string>> names_ = std::make_shared<const std::vector<std::string>>();
  std::vector<dynamic_domain> domains_;
  std::vector<std::pair<std::string, std::string>> json_constants_;
};

}  // namespace rung
