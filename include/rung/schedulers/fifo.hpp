// FIFO scheduling: every trial runs to its end (max_t or max_resource_attr,
// or until its callable returns). With random search this is asynchronous
// random search, the seeds' first experiment.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "rung/concepts/searcher.hpp"
#include "rung/decision.hpp"
#include "rung/schedulers/detail/per_trial.hpp"
#include "rung/schedulers/options.hpp"

namespace rung {

struct fifo_options {
  std::string metric = {};
  rung::mode mode = rung::mode::min;
  std::string resource_attr = "epoch";
  std::optional<double> max_t = std::nullopt;  // stop every trial at this resource
  std::string max_resource_attr = {};          // or: the hyperparameter holding it
};

template <Searcher S>
class fifo_scheduler {
 public:
  using searcher_type = S;
  using config_type = typename S::config_type;
  static constexpr std::string_view name = "fifo";

  fifo_scheduler(S searcher, fifo_options options)
      : searcher_(std::move(searcher)),
        options_(std::move(options)),
        max_resource_(detail::checked_core("fifo_scheduler", options_, searcher_.space())) {
    detail::notify_metric_mode(searcher_, options_.mode);
  }

  suggestion<config_type> suggest(trial_id new_id) {
    detail::require_trial_id("fifo_scheduler", new_id);
    auto config = searcher_.suggest(new_id);
    if (!config) return search_exhausted{};
    const std::optional<double> limit = max_resource_(*config);
    if (!max_resource_.fixed()) trial_limits_.set(new_id, limit);
    return start_trial<config_type>{std::move(*config), limit};
  }

  // Stops only at the maximum resource, when one is known.
  decision on_report(const observation& obs) {
    detail::notify_report(searcher_, obs);
    const auto limit = max_resource_of_trial(obs.trial);
    return limit && obs.resource >= *limit ? decision::stop_trial : decision::continue_trial;
  }

  void on_trial_end(trial_id id, trial_end how) { detail::notify_trial_end(searcher_, id, how); }

  // detail::SchedulerWithDecisionPoints: only a report at the trial's maximum resource stops it.
  [[nodiscard]] double continues_below(trial_id id) const {
    return max_resource_of_trial(id).value_or(std::numeric_limits<double>::infinity());
  }

  [[nodiscard]] std::string_view metric() const noexcept { return options_.metric; }
  [[nodiscard]] mode metric_mode() const noexcept { return options_.mode; }
  [[nodiscard]] std::string_view resource_attr() const noexcept { return options_.resource_attr; }
  [[nodiscard]] std::optional<double> max_resource(const config_type& config) const { return max_resource_(config); }
  [[nodiscard]] const auto& space() const noexcept { return searcher_.space(); }
  [[nodiscard]] const S& searcher() const noexcept { return searcher_; }

 private:
  [[nodiscard]] std::optional<double> max_resource_of_trial(trial_id id) const {
    if (max_resource_.fixed()) return max_resource_.fixed();
    return trial_limits_.get(id);
  }

  S searcher_;
  fifo_options options_;
  detail::max_resource_rule max_resource_;
  detail::per_trial<std::optional<double>> trial_limits_;
};

// A function, not the class name: see asha() in asha.hpp.
template <Searcher S>
[[nodiscard]] fifo_scheduler<S> fifo(S searcher, fifo_options options) {
  return fifo_scheduler<S>(std::move(searcher), std::move(options));
}

}  // namespace rung
