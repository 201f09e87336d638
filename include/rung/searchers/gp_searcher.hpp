// Gaussian-process search with expected improvement (Bayesian optimisation),
// MOBSTER style under multi-fidelity schedulers. Needs Eigen: link rung::gp
// and include rung/gp.hpp.
//
// - One GP over (configuration, resource): a report is a point, the
//   configuration's unit-cube encoding plus log(1 + resource) scaled to
//   [0, 1], and EI is evaluated at the largest resource reported so far.
//   Chosen over a fit per rung because ASHA's data sits mostly in the low
//   rungs, which then inform the top one (that holds few trials for long),
//   and because it asks nothing of the scheduler: fifo works the same.
// - Matern 5/2 kernel with a length scale per dimension, signal variance and
//   noise, fitted to standardised values by maximising the log marginal
//   likelihood (L-BFGS with analytic gradients, restarts, a weak prior).
// - Asynchronous: trials suggested but not yet reported are believed at
//   their posterior mean at that resource (kriging believer, as Syne Tune),
//   so suggestions made while they run spread out instead of repeating.
// - Cost bounded: the model holds at most max_observations reports (a
//   subsample beyond, keeping the best at the largest resource), and the
//   hyperparameters are refitted every refit_every new reports on at most
//   max_fit_observations, so a suggestion's time stops growing.
// - Random configurations (after points_to_evaluate) until num_init_random
//   trials have reported. A Cholesky factor that fails even with jitter
//   gives a random configuration for that suggestion: warning() says so
//   (no I/O here; the drivers log it once), random_fallbacks() counts them.
// - NaN and infinite metrics count as the worst finite value reported.
// - Categorical values are one-hot, so a space of choices only works; a
//   space of constants only has nothing to model and is refused.
// - Seeded: the same calls in the same order give the same suggestions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ranges>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "rung/concepts/config_space.hpp"
#include "rung/decision.hpp"
#include "rung/random.hpp"
#include "rung/searchers/detail/gp_acquisition.hpp"
#include "rung/searchers/detail/gp_fit.hpp"
#include "rung/searchers/detail/gp_kernel.hpp"
#include "rung/searchers/detail/gp_regression.hpp"
#include "rung/searchers/detail/gp_training_set.hpp"
#include "rung/searchers/detail/initial_points.hpp"
#include "rung/searchers/detail/kde_density.hpp"  // standard_normal
#include "rung/util/format.hpp"

namespace rung {

template <EncodableSpace Space>
struct gp_searcher_options {
  std::uint64_t seed = 0;
  // nullopt: start with the default configuration (midpoints), as Syne Tune
  // does; an empty list: no initial configurations.
  std::optional<std::vector<typename Space::partial_type>> points_to_evaluate = std::nullopt;
  // Random suggestions until this many trials have reported; nullopt:
  // the encoded dimensions + 1, at least 5.
  std::optional<std::size_t> num_init_random = std::nullopt;
  std::size_t max_observations = 200;      // reports in the model; a subsample beyond
  std::size_t max_fit_observations = 64;   // of those, used to fit the hyperparameters
  std::size_t refit_every = 10;            // new reports between two hyperparameter fits
  std::size_t num_fit_restarts = 2;        // the previous fit, then random starts
  std::size_t num_candidates = 128;        // random configurations EI is evaluated at
  std::size_t num_local_starts = 4;        // the best of them, perturbed...
  std::size_t num_local_steps = 16;        // ...this many times each, in each of two rounds
};

namespace detail {
template <class Space>
constexpr bool encodes_nothing() {
  if constexpr (requires { Space::encoded_dims; }) {
    return Space::encoded_dims == 0;
  } else {
    return false;
  }
}

template <class Options>
Options validated_gp_options(Options options) {
  const auto at_least = [](const char* field, std::size_t value, std::size_t minimum) {
    if (value < minimum) {
      throw std::invalid_argument(std::string("gp_searcher_options.") + field + " = " + to_text(value) +
                                  ": must be at least " + to_text(minimum));
    }
  };
  at_least("max_observations", options.max_observations, 2);
  at_least("max_fit_observations", options.max_fit_observations, 2);
  at_least("refit_every", options.refit_every, 1);
  at_least("num_fit_restarts", options.num_fit_restarts, 1);
  at_least("num_candidates", options.num_candidates, 1);
  if (options.max_fit_observations > options.max_observations) {
    throw std::invalid_argument("gp_searcher_options.max_fit_observations = " + to_text(options.max_fit_observations) +
                                ": must be at most max_observations (" + to_text(options.max_observations) + ")");
  }
  return options;
}
}  // namespace detail

template <EncodableSpace Space>
class gaussian_process_search {
  static_assert(!detail::encodes_nothing<Space>(),
                "rung::gp_searcher: the space has only constants, so there is nothing for the GP to model");

 public:
  using space_type = Space;
  using config_type = typename Space::config_type;
  using options_type = gp_searcher_options<Space>;

  explicit gaussian_process_search(Space space, options_type options = {})
      : space_(std::move(space)),
        options_(detail::validated_gp_options(std::move(options))),
        initial_(space_, options_.points_to_evaluate),
        rng_(options_.seed),
        dims_(space_.encoded_size()),
        num_init_random_(options_.num_init_random.value_or(std::max<std::size_t>(5, dims_ + 1))),
        hyperparameters_(detail::default_gp_hyperparameters(dims_ + 1)) {
    if (dims_ == 0) {
      std::string names;
      for (const auto& described : space_.encoding()) names += (names.empty() ? "" : ", ") + std::string(described.name);
      throw std::invalid_argument("gp_searcher: every hyperparameter (" + names +
                                  ") is a constant, so there is nothing for the GP to model");
    }
  }

  std::optional<config_type> suggest(trial_id id) {
    config_type config = next_config();
    remember(id, config);
    return config;
  }

  // Schedulers call it in their constructor: whether smaller is better.
  void set_metric_mode(mode metric_mode) noexcept { mode_ = metric_mode; }

  void on_report(const observation& obs) {
    const auto found = point_of_trial_.find(obs.trial);
    if (found == point_of_trial_.end() || !std::isfinite(obs.resource)) return;
    const std::size_t point = found->second;
    reports_.push_back({point, obs.resource, obs.metric});
    pending_.erase(point);
    if (!reported_[point]) {
      reported_[point] = true;
      ++reported_trials_;
    }
  }

  void on_trial_end(trial_id id, trial_end /*how*/) {
    if (const auto found = point_of_trial_.find(id); found != point_of_trial_.end()) pending_.erase(found->second);
  }

  // The note of the first fallback to a random configuration (the drivers log
  // it once); nullopt while every fit has succeeded.
  [[nodiscard]] std::optional<std::string_view> warning() const noexcept {
    return warning_ ? std::optional<std::string_view>(*warning_) : std::nullopt;
  }
  [[nodiscard]] std::size_t random_fallbacks() const noexcept { return random_fallbacks_; }

  [[nodiscard]] const Space& space() const noexcept { return space_; }

 private:
  config_type next_config() {
    if (auto initial = initial_.next()) return *initial;
    if (reported_trials_ < num_init_random_) return space_.sample(rng_);
    if (auto proposed = propose()) return *std::move(proposed);
    if (random_fallbacks_++ == 0) {
      warning_ = "gp_searcher: the GP's Cholesky factor failed even with jitter after " + detail::to_text(reports_.size()) +
                 " reports; suggesting random configurations while it fails";
    }
    return space_.sample(rng_);
  }

  std::optional<config_type> propose() {
    const auto set = detail::gp_assemble_training_set(encoded_, dims_, reports_, mode_, options_.max_observations, rng_);
    if (!last_fit_reports_ || reports_.size() >= *last_fit_reports_ + options_.refit_every) refit(set);
    auto model = detail::gp_regression::fit(set.x, set.y, hyperparameters_);
    if (!model) return std::nullopt;
    // Best effort: without its fantasies the model still proposes.
    model->add_fantasies(pending_points());
    return maximise_expected_improvement(*model, set.best);
  }

  void refit(const detail::gp_training_set& set) {
    last_fit_reports_ = reports_.size();
    const Eigen::Index rows = set.x.rows();
    const auto fit_rows = static_cast<Eigen::Index>(options_.max_fit_observations);
    if (rows <= fit_rows) {
      hyperparameters_ = detail::fit_gp_hyperparameters(set.x, set.y, hyperparameters_, fit_settings(), rng_);
      return;
    }
    // Evenly spaced rows of the (already subsampled) set.
    detail::gp_points x(fit_rows, set.x.cols());
    Eigen::VectorXd y(fit_rows);
    for (Eigen::Index row = 0; row < fit_rows; ++row) {
      const Eigen::Index from = row * rows / fit_rows;
      x.row(row) = set.x.row(from);
      y(row) = set.y(from);
    }
    hyperparameters_ = detail::fit_gp_hyperparameters(x, y, hyperparameters_, fit_settings(), rng_);
  }

  [[nodiscard]] detail::gp_fit_settings fit_settings() const { return {.restarts = options_.num_fit_restarts}; }

  // The most recent pending trials, at the largest resource; at most a
  // quarter of max_observations, which bounds the factor's extension.
  [[nodiscard]] detail::gp_points pending_points() const {
    const std::size_t count = std::min(pending_.size(), options_.max_observations / 4);
    detail::gp_points points(static_cast<Eigen::Index>(count), static_cast<Eigen::Index>(dims_) + 1);
    auto point = pending_.rbegin();
    for (Eigen::Index row = 0; row < points.rows(); ++row, ++point) {
      for (std::size_t d = 0; d < dims_; ++d) points(row, static_cast<Eigen::Index>(d)) = encoded_[*point * dims_ + d];
      points(row, static_cast<Eigen::Index>(dims_)) = 1.0;
    }
    return points;
  }

  struct scored {
    config_type config;
    double log_expected_improvement = 0.0;
  };

  // Random candidates, then two rounds of perturbations (sd 0.1, then 0.02
  // in the unit cube, snapped back through decode) around the best so far.
  config_type maximise_expected_improvement(const detail::gp_regression& model, double best) {
    std::vector<config_type> candidates;
    candidates.reserve(options_.num_candidates);
    for (std::size_t i = 0; i < options_.num_candidates; ++i) candidates.push_back(space_.sample(rng_));
    std::vector<scored> leaders = score(model, best, std::move(candidates));
    keep_best(leaders);
    for (const double scale : {0.1, 0.02}) {
      std::vector<config_type> perturbed;
      perturbed.reserve(leaders.size() * options_.num_local_steps);
      for (const auto& leader : leaders) {
        for (std::size_t step = 0; step < options_.num_local_steps; ++step) {
          perturbed.push_back(perturb(leader.config, scale));
        }
      }
      auto round = score(model, best, std::move(perturbed));
      leaders.insert(leaders.end(), std::make_move_iterator(round.begin()), std::make_move_iterator(round.end()));
      keep_best(leaders);
    }
    return leaders.front().config;
  }

  // The num_local_starts best (at least one), best first; ties keep their order.
  void keep_best(std::vector<scored>& list) const {
    std::stable_sort(list.begin(), list.end(),
                     [](const scored& a, const scored& b) { return a.log_expected_improvement > b.log_expected_improvement; });
    list.resize(std::min(list.size(), std::max<std::size_t>(1, options_.num_local_starts)));
  }

  std::vector<scored> score(const detail::gp_regression& model, double best, std::vector<config_type> configs) const {
    detail::gp_points points(static_cast<Eigen::Index>(configs.size()), static_cast<Eigen::Index>(dims_) + 1);
    for (Eigen::Index row = 0; row < points.rows(); ++row) {
      const auto encoded = space_.encode(configs[static_cast<std::size_t>(row)]);
      std::copy_n(std::ranges::data(encoded), dims_, points.row(row).data());
      points(row, static_cast<Eigen::Index>(dims_)) = 1.0;  // EI at the largest resource
    }
    Eigen::VectorXd mean, variance;
    model.predict(points, mean, variance);
    std::vector<scored> result;
    result.reserve(configs.size());
    for (std::size_t i = 0; i < configs.size(); ++i) {
      const auto row = static_cast<Eigen::Index>(i);
      result.push_back({std::move(configs[i]), detail::log_expected_improvement(mean(row), variance(row), best)});
    }
    return result;
  }

  config_type perturb(const config_type& config, double scale) {
    const auto encoded = space_.encode(config);
    std::vector<double> unit(std::ranges::begin(encoded), std::ranges::end(encoded));
    for (double& coordinate : unit) coordinate = std::clamp(coordinate + scale * detail::standard_normal(rng_), 0.0, 1.0);
    return space_.decode(std::span<const double>(unit));
  }

  void remember(trial_id id, const config_type& config) {
    const std::size_t point = reported_.size();
    const auto encoded = space_.encode(config);
    encoded_.insert(encoded_.end(), std::ranges::begin(encoded), std::ranges::end(encoded));
    reported_.push_back(false);
    point_of_trial_[id] = point;
    pending_.insert(point);
  }

  Space space_;
  options_type options_;
  detail::initial_points<Space> initial_;
  random_stream rng_;
  std::size_t dims_;
  std::size_t num_init_random_;
  mode mode_ = mode::min;
  detail::gp_hyperparameters hyperparameters_;
  std::optional<std::size_t> last_fit_reports_;

  std::vector<double> encoded_;  // dims_ coordinates per suggested trial (a point)
  std::vector<bool> reported_;   // per point
  std::unordered_map<trial_id, std::size_t> point_of_trial_;
  std::set<std::size_t> pending_;  // points suggested, neither reported nor ended; ordered: fantasies in a fixed order
  std::vector<detail::gp_report> reports_;
  std::size_t reported_trials_ = 0;

  std::optional<std::string> warning_;
  std::size_t random_fallbacks_ = 0;
};

// A function, not the class name, for the reason random_searcher gives.
template <EncodableSpace Space>
[[nodiscard]] gaussian_process_search<Space> gp_searcher(Space space,
                                                         std::type_identity_t<gp_searcher_options<Space>> options = {}) {
  return gaussian_process_search<Space>(std::move(space), std::move(options));
}

}  // namespace rung
