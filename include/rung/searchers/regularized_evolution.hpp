// Regularized evolution (REA, Real et al. 2019; Syne Tune's
// RegularizedEvolution), a model-free searcher that learns:
//
//   auto scheduler = rung::asha(rung::regularized_evolution(space, {.seed = 1}), {...});
//
// A trial joins the population at its first report and is scored by its
// metric at the largest resource it reported. Until population_size trials
// have joined, suggestions are random; then sample_size members are drawn
// (with replacement, as in the paper), the best of them is the parent, and
// the child is the parent with one hyperparameter given a new random value
// from its domain. Once the population is full, each newcomer makes the
// oldest member leave (age, not fitness, decides: the regularization).
// NaN and infinite metrics are the worst values. Smaller is better unless
// the scheduler says otherwise (set_metric_mode). Seeded and deterministic.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/decision.hpp"
#include "rung/random.hpp"
#include "rung/searchers/detail/initial_points.hpp"
#include "rung/searchers/detail/option_errors.hpp"
#include "rung/util/format.hpp"

namespace rung {

template <EncodableSpace Space>
struct regularized_evolution_options {
  std::uint64_t seed = 0;
  // nullopt: start with the default configuration (midpoints); empty: none.
  std::optional<std::vector<typename Space::partial_type>> points_to_evaluate = std::nullopt;
  std::int64_t population_size = 100;
  std::int64_t sample_size = 10;  // members drawn to choose each parent
};

template <EncodableSpace Space>
class regularized_evolution_search {
 public:
  using space_type = Space;
  using config_type = typename Space::config_type;
  using options_type = regularized_evolution_options<Space>;

  // Draws of a new value before a mutation gives up on changing the parent
  // (a domain of few values may draw the parent's own again).
  static constexpr int max_mutation_draws = 16;

  explicit regularized_evolution_search(Space space, options_type options = {})
      : space_(std::move(space)),
        options_(checked(std::move(options))),
        initial_(space_, options_.points_to_evaluate),
        rng_(options_.seed) {
    for (const encoded_hyperparameter& described : space_.encoding()) {
      if (described.width > 0 && described.num_values != std::optional<std::uint64_t>{1}) mutable_.push_back(described);
    }
  }

  std::optional<config_type> suggest(trial_id id) {
    auto config = next_config();
    proposed_.insert_or_assign(id, config);
    return config;
  }

  void on_report(const observation& obs) {
    if (const auto joined = members_.find(obs.trial); joined != members_.end()) {
      if (obs.resource >= joined->second.resource) {
        joined->second.resource = obs.resource;
        joined->second.metric = obs.metric;
      }
      return;
    }
    const auto proposed = proposed_.find(obs.trial);
    if (proposed == proposed_.end()) return;  // not proposed here, or aged out of the population
    members_.emplace(obs.trial, member{obs.resource, obs.metric, std::move(proposed->second)});
    proposed_.erase(proposed);
    ages_.push_back(obs.trial);
    if (ages_.size() > static_cast<std::size_t>(options_.population_size)) {
      members_.erase(ages_.front());
      ages_.pop_front();
    }
  }

  // A trial that ends without a report never joins.
  void on_trial_end(trial_id id, trial_end /*how*/) { proposed_.erase(id); }

  void set_metric_mode(mode metric_mode) noexcept { mode_ = metric_mode; }

  [[nodiscard]] const Space& space() const noexcept { return space_; }
  [[nodiscard]] const options_type& options() const noexcept { return options_; }
  [[nodiscard]] std::size_t population() const noexcept { return ages_.size(); }

 private:
  struct member {
    double resource;  // the largest reported
    double metric;    // there
    config_type config;
  };

  static options_type checked(options_type options) {
    using detail::to_text;
    constexpr std::string_view who = "regularized_evolution_options";
    if (options.population_size < 1) {
      detail::bad_searcher_option(who, "population_size", to_text(options.population_size), "must be at least 1");
    }
    if (options.sample_size < 1 || options.sample_size > options.population_size) {
      detail::bad_searcher_option(who, "sample_size", to_text(options.sample_size),
                                  "must be between 1 and population_size (" + to_text(options.population_size) + ")");
    }
    return options;
  }

  config_type next_config() {
    if (auto initial = initial_.next()) return std::move(*initial);
    if (ages_.size() < static_cast<std::size_t>(options_.population_size) || mutable_.empty()) {
      return space_.sample(rng_);
    }
    return mutated(parent());
  }

  // The best of sample_size members drawn; the first drawn wins a tie.
  const config_type& parent() {
    const member* best = nullptr;
    for (std::int64_t draw = 0; draw < options_.sample_size; ++draw) {
      const member& candidate = members_.at(ages_[rng_.index(ages_.size())]);
      if (best == nullptr || ranked_value(candidate.metric) < ranked_value(best->metric)) best = &candidate;
    }
    return best->config;
  }

  // One hyperparameter's coordinates replaced by those of a fresh draw from
  // the space, so the new value follows its domain's distribution (log scale and all).
  config_type mutated(const config_type& parent_config) {
    const encoded_hyperparameter& changed = mutable_[rng_.index(mutable_.size())];
    const auto parent_encoded = space_.encode(parent_config);
    std::vector<double> child(parent_encoded.begin(), parent_encoded.end());
    for (int draw = 0; draw < max_mutation_draws; ++draw) {
      const auto fresh = space_.encode(space_.sample(rng_));
      std::copy_n(fresh.begin() + static_cast<std::ptrdiff_t>(changed.offset), changed.width,
                  child.begin() + static_cast<std::ptrdiff_t>(changed.offset));
      auto config = space_.decode(std::span<const double>(child));
      if (!(config == parent_config)) return config;
    }
    return parent_config;
  }

  // Smaller is better; NaN and infinities last.
  [[nodiscard]] double ranked_value(double metric) const {
    if (!std::isfinite(metric)) return std::numeric_limits<double>::infinity();
    return mode_ == mode::max ? -metric : metric;
  }

  Space space_;
  options_type options_;
  detail::initial_points<Space> initial_;
  random_stream rng_;
  mode mode_ = mode::min;
  std::vector<encoded_hyperparameter> mutable_;  // the hyperparameters a mutation may change
  std::map<trial_id, config_type> proposed_;     // proposed, not yet reported; ordered: nothing depends on hashing
  std::map<trial_id, member> members_;
  std::deque<trial_id> ages_;                    // the population, oldest first
};

// A function, not the class name: see random_searcher() in random_search.hpp.
template <EncodableSpace Space>
[[nodiscard]] regularized_evolution_search<Space> regularized_evolution(
    Space space, std::type_identity_t<regularized_evolution_options<Space>> options = {}) {
  return regularized_evolution_search<Space>(std::move(space), std::move(options));
}

}  // namespace rung
