// A TPE-style kernel-density searcher, as in BOHB (Falkner et al. 2018):
//
//   auto scheduler = rung::asha(rung::kde_searcher(space, {.seed = 1}), {...});   // BOHB
//
// It remembers the configuration it proposed for each trial and records
// every report (resource, metric). It fits on the highest resource level
// holding at least num_min_points observations: the best top_n_percent of
// them (rounded up) are "good", the rest "bad"; a kernel density is fitted
// on each (detail/kde_density.hpp), and of num_candidates draws from the good density (widened by bandwidth_factor)
// the one maximising l(x) / g(x) is proposed. Before any level holds enough
// observations, and with probability random_fraction, it proposes a random
// configuration. Observations are grouped by the exact resource reported.
// NaN and infinite metrics are the worst values: they rank last and never
// enter a density as a value. Smaller is better unless the scheduler says
// otherwise (set_metric_mode). Seeded and deterministic: the same seed and
// the same calls give the same suggestions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/decision.hpp"
#include "rung/random.hpp"
#include "rung/searchers/detail/initial_points.hpp"
#include "rung/searchers/detail/kde_density.hpp"
#include "rung/searchers/detail/model_coordinates.hpp"
#include "rung/searchers/detail/option_errors.hpp"
#include "rung/util/format.hpp"

namespace rung {

template <EncodableSpace Space>
struct kde_searcher_options {
  std::uint64_t seed = 0;
  // nullopt: start with the default configuration (midpoints); empty: none.
  std::optional<std::vector<typename Space::partial_type>> points_to_evaluate = std::nullopt;
  // Observations a level needs before a model is fitted on it; nullopt:
  // the number of hyperparameters modelled + 1, as BOHB.
  std::optional<std::int64_t> num_min_points = std::nullopt;
  double top_n_percent = 15.0;           // the share of a level that is "good"
  std::int64_t num_candidates = 64;      // draws from the good density per suggestion
  double random_fraction = 1.0 / 3.0;    // suggestions drawn at random all the same
  double bandwidth_factor = 3.0;         // draws are this much wider than the good density's kernels
  double min_bandwidth = 1e-3;           // no kernel is narrower (in the unit cube)
};

template <EncodableSpace Space>
class kde_search {
 public:
  using space_type = Space;
  using config_type = typename Space::config_type;
  using options_type = kde_searcher_options<Space>;

  explicit kde_search(Space space, options_type options = {})
      : space_(std::move(space)),
        options_(checked(std::move(options))),
        dims_(detail::model_dimensions(space_.encoding(), options_.min_bandwidth)),
        min_points_(options_.num_min_points ? static_cast<std::size_t>(*options_.num_min_points)
                                            : dims_.size() + 1),
        initial_(space_, options_.points_to_evaluate),
        rng_(options_.seed),
        encoded_(space_.encoded_size(), 0.0) {}

  std::optional<config_type> suggest(trial_id id) {
    if (auto initial = initial_.next()) return remember(id, std::move(*initial));
    const bool at_random = rng_.uniform01() < options_.random_fraction;
    const model* fitted = current_model();
    if (at_random || fitted == nullptr) return remember(id, space_.sample(rng_));
    return remember(id, best_candidate(*fitted));
  }

  void on_report(const observation& obs) {
    const auto trial = trial_rows_.find(obs.trial);
    if (trial == trial_rows_.end()) return;  // not proposed here
    levels_[obs.resource].push_back({trial->second, obs.metric});
  }

  void set_metric_mode(mode metric_mode) noexcept { mode_ = metric_mode; }

  [[nodiscard]] const Space& space() const noexcept { return space_; }
  [[nodiscard]] const options_type& options() const noexcept { return options_; }
  // The resource level the model was last fitted on, if one was.
  [[nodiscard]] std::optional<double> model_resource() const {
    if (!model_) return std::nullopt;
    return model_->resource;
  }

 private:
  struct recorded {
    std::size_t row;  // the trial's configuration in rows_
    double metric;
  };
  struct model {
    double resource;
    std::size_t observations;
    detail::kde_density good;
    detail::kde_density bad;
  };

  static options_type checked(options_type options) {
    using detail::to_text;
    constexpr std::string_view who = "kde_searcher_options";
    if (options.num_min_points && *options.num_min_points < 2) {
      detail::bad_searcher_option(who, "num_min_points", to_text(*options.num_min_points), "must be at least 2");
    }
    if (!(options.top_n_percent > 0 && options.top_n_percent < 100)) {
      detail::bad_searcher_option(who, "top_n_percent", to_text(options.top_n_percent),
                                  "must be above 0 and below 100 (a percentage)");
    }
    if (options.num_candidates < 1) {
      detail::bad_searcher_option(who, "num_candidates", to_text(options.num_candidates), "must be at least 1");
    }
    if (!(options.random_fraction >= 0 && options.random_fraction <= 1)) {
      detail::bad_searcher_option(who, "random_fraction", to_text(options.random_fraction), "must be between 0 and 1");
    }
    if (!(options.bandwidth_factor > 0 && std::isfinite(options.bandwidth_factor))) {
      detail::bad_searcher_option(who, "bandwidth_factor", to_text(options.bandwidth_factor),
                                  "must be a positive number");
    }
    if (!(options.min_bandwidth > 0 && options.min_bandwidth <= 1)) {
      detail::bad_searcher_option(who, "min_bandwidth", to_text(options.min_bandwidth),
                                  "must be above 0 and at most 1 (the unit cube's width)");
    }
    return options;
  }

  config_type remember(trial_id id, config_type config) {
    const auto encoded = space_.encode(config);
    const std::size_t row = rows_.size() / std::max<std::size_t>(dims_.size(), 1);
    rows_.resize(rows_.size() + dims_.size());
    detail::to_model(dims_, encoded, rows_.data() + row * dims_.size());
    trial_rows_.insert_or_assign(id, row);
    return config;
  }

  // The model of the highest level with enough observations, refitted only
  // when that level or its size changed.
  const model* current_model() {
    if (dims_.empty()) return nullptr;
    for (auto level = levels_.rbegin(); level != levels_.rend(); ++level) {
      if (level->second.size() < min_points_) continue;
      if (!model_ || model_->resource != level->first || model_->observations != level->second.size()) {
        model_.emplace(fit(level->first, level->second));
      }
      return &*model_;
    }
    return nullptr;
  }

  model fit(double resource, const std::vector<recorded>& observed) const {
    std::vector<std::pair<double, std::size_t>> ranked;  // (value, row): smaller is better, ties in report order
    ranked.reserve(observed.size());
    for (const auto& obs : observed) ranked.emplace_back(ranked_value(obs.metric), obs.row);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& left, const auto& right) { return left.first < right.first; });
    // The best ceil(top_n_percent %) are good, the rest bad: the sets never
    // overlap (BOHB's do, at min_points each, which stalls the search on
    // few observations), and neither is empty.
    const double share = options_.top_n_percent * static_cast<double>(ranked.size()) / 100.0;
    const std::size_t num_good = std::min(static_cast<std::size_t>(std::ceil(share)), ranked.size() - 1);
    const std::size_t num_bad = ranked.size() - num_good;
    const auto points = [&](std::size_t first, std::size_t count) {
      std::vector<double> rows;
      rows.reserve(count * dims_.size());
      for (std::size_t i = first; i < first + count; ++i) {
        const double* row = rows_.data() + ranked[i].second * dims_.size();
        rows.insert(rows.end(), row, row + dims_.size());
      }
      return rows;
    };
    return model{resource, observed.size(), detail::kde_density(dims_, points(0, num_good)),
                 detail::kde_density(dims_, points(ranked.size() - num_bad, num_bad))};
  }

  // Smaller is better; NaN and infinities last.
  [[nodiscard]] double ranked_value(double metric) const {
    if (!std::isfinite(metric)) return std::numeric_limits<double>::infinity();
    return mode_ == mode::max ? -metric : metric;
  }

  // Each draw is decoded and encoded again before it is scored, so that the
  // score is that of the configuration proposed (a discrete value's cell centre).
  config_type best_candidate(const model& fitted) {
    std::vector<double> draw(dims_.size());
    std::vector<double> snapped(dims_.size());
    std::optional<config_type> best;
    double best_score = -std::numeric_limits<double>::infinity();
    for (std::int64_t c = 0; c < options_.num_candidates; ++c) {
      fitted.good.sample_near(rng_.index(fitted.good.size()), options_.bandwidth_factor, rng_, draw.data());
      detail::to_encoded(dims_, draw.data(), encoded_);
      auto config = space_.decode(std::span<const double>(encoded_));
      detail::to_model(dims_, space_.encode(config), snapped.data());
      const double score = fitted.good.log_density(snapped.data(), scratch_) - fitted.bad.log_density(snapped.data(), scratch_);
      if (!best || score > best_score) {
        best = std::move(config);
        best_score = score;
      }
    }
    return std::move(*best);
  }

  Space space_;
  options_type options_;
  std::vector<detail::model_dimension> dims_;
  std::size_t min_points_;
  detail::initial_points<Space> initial_;
  random_stream rng_;
  mode mode_ = mode::min;
  std::vector<double> rows_;                       // each proposed configuration's model coordinates
  std::map<trial_id, std::size_t> trial_rows_;     // ordered: nothing depends on hashing
  std::map<double, std::vector<recorded>> levels_; // by the exact resource reported
  std::optional<model> model_;
  std::vector<double> encoded_;                    // scratch: a draw in the space's encoding
  std::vector<double> scratch_;                    // scratch: per-observation log kernels
};

// A function, not the class name: see random_searcher() in random_search.hpp.
template <EncodableSpace Space>
[[nodiscard]] kde_search<Space> kde_searcher(Space space, std::type_identity_t<kde_searcher_options<Space>> options = {}) {
  return kde_search<Space>(std::move(space), std::move(options));
}

}  // namespace rung
