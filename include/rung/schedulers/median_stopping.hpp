// The median stopping rule (Golovin et al., Google Vizier, KDD 2017) as Syne
// Tune v0.13's MedianStoppingRule has it: a wrapper around any scheduler.
// On each report at resource r, the trial's value (by default the running
// average of its reports so far) is ranked among the values recorded at r;
// if its rank, counted as the values strictly better over all recorded there,
// is above rank_cutoff (0.5: the median), the trial stops. Otherwise, and
// while fewer than grace_population values are recorded at r or r is below
// grace_time, the wrapped scheduler decides. Suggestions are the wrapped
// scheduler's (with its admission and resume filter, where it takes them).
//
//   auto scheduler = rung::median_stopping(
//       rung::fifo(rung::random_searcher(space, {.seed = 1}), {.metric = "error", .max_t = 81}),
//       {.grace_population = 5});
//
// NaN is the worst value; with running_average a NaN report makes the
// average NaN for good. Each report costs O(log n) for n values at its
// resource (an order-statistic tree per resource level).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "rung/concepts/scheduler.hpp"
#include "rung/decision.hpp"
#include "rung/schedulers/detail/order_statistic_tree.hpp"
#include "rung/schedulers/detail/per_trial.hpp"
#include "rung/schedulers/options.hpp"
#include "rung/util/format.hpp"

namespace rung {

struct median_stopping_options {
  bool running_average = true;       // rank the mean of the trial's reports so far, not the last one
  double grace_time = 1.0;           // reports below this resource are never stopped
  std::int64_t grace_population = 5;  // nor reports at a resource with fewer values recorded (itself included)
  double rank_cutoff = 0.5;          // stop above this fraction of the values recorded (0.5: the median)
};

namespace detail {
// Schedulers that wrap another expose its searcher type, so the tuner still
// sees an exhaustible searcher.
template <class Inner>
struct searcher_type_of {};
template <class Inner>
  requires requires { typename Inner::searcher_type; }
struct searcher_type_of<Inner> {
  using searcher_type = typename Inner::searcher_type;
};
}  // namespace detail

template <Scheduler Inner>
class median_stopping_scheduler : public detail::searcher_type_of<Inner> {
 public:
  using config_type = typename Inner::config_type;
  using inner_type = Inner;
  static constexpr std::string_view name = "median_stopping";

  median_stopping_scheduler(Inner inner, median_stopping_options options = {})
      : inner_(std::move(inner)), options_(checked(options)) {}

  suggestion<config_type> suggest(trial_id new_id) { return inner_.suggest(new_id); }
  suggestion<config_type> suggest(trial_id new_id, trial_admission admission)
    requires detail::SchedulerWithAdmission<Inner>
  {
    return inner_.suggest(new_id, admission);
  }
  suggestion<config_type> suggest(trial_id new_id, trial_admission admission, resume_filter may_resume)
    requires detail::SchedulerWithResumeFilter<Inner>
  {
    return inner_.suggest(new_id, admission, may_resume);
  }

  decision on_report(const observation& obs) {
    if (obs.trial < 0) return inner_.on_report(obs);
    double value = rank_value(inner_.metric_mode(), obs.metric);
    if (inner_.metric_mode() == mode::max) value = -value;  // smaller is better from here on
    if (options_.running_average) {
      average& so_far = averages_.slot(obs.trial);
      so_far.sum += value;
      so_far.count += 1;
      value = so_far.sum / static_cast<double>(so_far.count);
      if (std::isnan(value)) value = std::numeric_limits<double>::infinity();  // +inf and -inf summed
    }
    auto& recorded = by_resource_[obs.resource];
    const std::size_t better_count = recorded.count_less(value);
    recorded.insert(value, false);
    const double normalized_rank = static_cast<double>(better_count) / static_cast<double>(recorded.size());
    const bool in_grace = static_cast<std::int64_t>(recorded.size()) < options_.grace_population ||
                          obs.resource < options_.grace_time;
    if (in_grace || normalized_rank <= options_.rank_cutoff) return inner_.on_report(obs);
    return decision::stop_trial;
  }

  void on_trial_end(trial_id id, trial_end how) { inner_.on_trial_end(id, how); }

  [[nodiscard]] std::string_view metric() const { return inner_.metric(); }
  [[nodiscard]] mode metric_mode() const { return inner_.metric_mode(); }
  [[nodiscard]] std::string_view resource_attr() const { return inner_.resource_attr(); }
  [[nodiscard]] std::optional<double> max_resource(const config_type& config) const {
    return inner_.max_resource(config);
  }
  [[nodiscard]] const auto& space() const { return inner_.space(); }
  [[nodiscard]] const Inner& inner() const noexcept { return inner_; }
  // Values recorded at a resource level.
  [[nodiscard]] std::size_t recorded_at(double resource) const {
    const auto found = by_resource_.find(resource);
    return found == by_resource_.end() ? 0 : found->second.size();
  }

 private:
  struct average {
    double sum = 0;
    std::int64_t count = 0;
  };

  static median_stopping_options checked(median_stopping_options options) {
    using detail::to_text;
    if (!(options.rank_cutoff >= 0 && options.rank_cutoff <= 1)) {
      detail::bad_option(name, "rank_cutoff", to_text(options.rank_cutoff), "must be between 0 and 1 (0.5: the median)");
    }
    if (options.grace_population < 0) {
      detail::bad_option(name, "grace_population", to_text(options.grace_population), "must be >= 0");
    }
    if (!std::isfinite(options.grace_time)) {
      detail::bad_option(name, "grace_time", to_text(options.grace_time), "must be a finite resource (0: none)");
    }
    return options;
  }

  Inner inner_;
  median_stopping_options options_;
  detail::per_trial<average> averages_;
  std::map<double, detail::order_statistic_tree> by_resource_;  // ordered: nothing depends on hashing
};

// A function, not the class name: see asha() in asha.hpp.
template <Scheduler Inner>
[[nodiscard]] median_stopping_scheduler<Inner> median_stopping(Inner inner, median_stopping_options options = {}) {
  return median_stopping_scheduler<Inner>(std::move(inner), std::move(options));
}

}  // namespace rung
