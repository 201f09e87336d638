// Synchronous successive halving and synchronous Hyperband (Li et al., JMLR
// 2018), faithful to the synchronous algorithm so that a run shows what
// asynchrony buys: every trial of a rung runs to the rung's level and
// pauses; only when the whole rung has reported are its best floor(n/eta)
// resumed to the next level. Until then suggest() answers wait_for_trials and
// free workers idle: the stragglers of the seeds' first figure.
//
//   rung::synchronous_hyperband scheduler(rung::random_searcher(space, {.seed = 1}),
//                                         {.metric = "error", .max_t = 81});
//
// Brackets run one after another, s = s_max .. 0 (hyperband_brackets() in
// rung_levels.hpp), and the pass repeats (`iterations` passes, or until the
// stop criterion). brackets = 1 keeps only s = s_max: synchronous successive
// halving, the paper's Algorithm 1 with n = eta^s_max trials. If the
// searcher runs out, a rung closes with the trials it has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rung/concepts/searcher.hpp"
#include "rung/decision.hpp"
#include "rung/detail/per_trial.hpp"
#include "rung/detail/rung.hpp"
#include "rung/detail/rung_options.hpp"
#include "rung/detail/scheduler_options.hpp"
#include "rung/schedulers/rung_levels.hpp"

namespace rung {

struct synchronous_hyperband_options {
  std::string metric = {};
  rung::mode mode = rung::mode::min;
  std::string resource_attr = "epoch";
  std::int64_t grace_period = 1;                        // r_min
  double reduction_factor = 3.0;                        // eta: a whole number >= 2
  std::optional<std::int64_t> max_t = std::nullopt;     // the maximum resource R
  std::string max_resource_attr = {};                   // or: the constant hyperparameter holding it
  std::optional<std::int64_t> brackets = std::nullopt;  // default all s_max + 1; 1: successive halving
  std::int64_t iterations = 0;                          // passes over the brackets; 0: until stopped
};

template <Searcher S>
class synchronous_hyperband {
 public:
  using searcher_type = S;
  using config_type = typename S::config_type;
  static constexpr std::string_view name = "synchronous_hyperband";

  synchronous_hyperband(S searcher, synchronous_hyperband_options options)
      : searcher_(std::move(searcher)), options_(checked(std::move(options))), results_(options_.mode) {
    max_resource_ = detail::resolve_max_resource(searcher_.space(), name, options_.max_t, options_.max_resource_attr);
    brackets_ = hyperband_brackets(options_.grace_period, options_.reduction_factor, max_resource_, name);
    if (options_.brackets && static_cast<std::size_t>(*options_.brackets) < brackets_.size()) {
      brackets_.resize(static_cast<std::size_t>(*options_.brackets));
    }
  }

  suggestion<config_type> suggest(trial_id new_id, trial_admission admission = trial_admission::new_or_paused) {
    if (finished_) return search_exhausted{};
    if (rung_ == 0 && !searcher_exhausted_ && members_.size() < static_cast<std::size_t>(current().trials)) {
      if (auto config = admission == trial_admission::new_or_paused ? searcher_.suggest(new_id) : std::nullopt) {
        members_.push_back(new_id);
        ++dispatched_;
        trials_.set(new_id, trial_state{.serial = serial_, .phase = trial_phase::running});
        return start_trial<config_type>{std::move(*config)};
      }
      searcher_exhausted_ = true;  // rung 0 closes with the trials it has (none more may start)
      advance();
      if (finished_) return search_exhausted{};
    }
    while (dispatched_ < members_.size()) {
      const trial_id id = members_[dispatched_++];
      trial_state& state = *trials_.find(id);
      if (state.phase == trial_phase::ended) continue;
      state.phase = trial_phase::running;
      return resume_trial{id, state.paused_at};
    }
    return wait_for_trials{};  // the rung's trials are still running
  }

  decision on_report(const observation& obs) {
    detail::require_whole_resource(name, options_.resource_attr, obs);
    trial_state* state = trials_.find(obs.trial);
    if (obs.trial < 0 || state == nullptr || state->phase == trial_phase::unknown) {
      throw std::invalid_argument(std::string(name) + ": report for trial " + detail::to_text(obs.trial) +
                                  ", which suggest() never started");
    }
    if (state->phase == trial_phase::paused) return decision::pause_trial;  // late: the decision stands
    if (state->phase != trial_phase::running) return decision::stop_trial;
    detail::notify_report(searcher_, obs);
    const auto resource = static_cast<std::int64_t>(obs.resource);
    if (resource < current().level && resource < max_resource_) return decision::continue_trial;
    // At the rung's level (a report past it counts for it): wait for the rung.
    const bool done = resource >= max_resource_ || rung_ + 1 == bracket().rungs.size();
    state->entry = results_.record(obs.trial, obs.metric, !done);
    state->paused_at = obs.resource;
    state->phase = done ? trial_phase::stopped : trial_phase::paused;
    ++settled_;
    advance();
    return done ? decision::stop_trial : decision::pause_trial;
  }

  void on_trial_end(trial_id id, trial_end how) {
    detail::notify_trial_end(searcher_, id, how);
    trial_state* state = trials_.find(id);
    if (id < 0 || state == nullptr || state->phase == trial_phase::unknown) return;
    const bool in_this_rung = state->serial == serial_;
    if (state->phase == trial_phase::running && in_this_rung) ++settled_;  // it will not report here
    if (state->phase == trial_phase::paused && in_this_rung) {
      if (state->entry == detail::rung::none) {
        ++settled_;  // promoted, not yet resumed: it never will be
      } else {
        results_.retire(state->entry);  // reported here: it is not promoted
      }
    }
    state->phase = trial_phase::ended;
    advance();
  }

  [[nodiscard]] std::string_view metric() const noexcept { return options_.metric; }
  [[nodiscard]] mode metric_mode() const noexcept { return options_.mode; }
  [[nodiscard]] std::string_view resource_attr() const noexcept { return options_.resource_attr; }
  [[nodiscard]] std::optional<double> max_resource(const config_type& /*config*/) const {
    return static_cast<double>(max_resource_);
  }
  [[nodiscard]] const auto& space() const noexcept { return searcher_.space(); }
  [[nodiscard]] const S& searcher() const noexcept { return searcher_; }

  // The brackets of one pass, and where the schedule stands.
  [[nodiscard]] const std::vector<hyperband_bracket>& brackets() const noexcept { return brackets_; }
  [[nodiscard]] std::size_t bracket_index() const noexcept { return bracket_; }
  [[nodiscard]] std::size_t rung_index() const noexcept { return rung_; }
  [[nodiscard]] std::int64_t iteration() const noexcept { return iteration_; }

 private:
  enum class trial_phase : std::uint8_t { unknown, running, paused, stopped, ended };

  struct trial_state {
    double paused_at = 0;
    detail::rung::entry entry = detail::rung::none;  // its value in the rung it reported at; none once promoted
    std::uint64_t serial = 0;                        // the rung it belongs to
    trial_phase phase = trial_phase::unknown;
  };

  static synchronous_hyperband_options checked(synchronous_hyperband_options options) {
    detail::require_metric(name, options.metric);
    if (options.brackets) detail::require_brackets(name, *options.brackets);
    if (options.iterations < 0) {
      detail::bad_option(name, "iterations", detail::to_text(options.iterations), "must be >= 0 (0: until stopped)");
    }
    return options;
  }

  [[nodiscard]] const hyperband_bracket& bracket() const { return brackets_[bracket_]; }
  [[nodiscard]] const hyperband_rung& current() const { return bracket().rungs[rung_]; }

  [[nodiscard]] bool rung_complete() const {
    const bool closed = rung_ > 0 || searcher_exhausted_ || members_.size() >= static_cast<std::size_t>(current().trials);
    return closed && settled_ == members_.size();
  }

  // Moves on while the current rung is complete: promotes its best to the
  // next rung, or starts the next bracket, or ends.
  void advance() {
    while (!finished_ && rung_complete()) {
      if (rung_ + 1 < bracket().rungs.size()) {
        std::vector<trial_id> promoted;
        const auto wanted = static_cast<std::size_t>(bracket().rungs[rung_ + 1].trials);
        while (promoted.size() < wanted) {
          const auto best = results_.best_promotable();  // best first, ties by arrival, NaN last
          if (best.id == detail::rung::none) break;
          results_.retire(best);
          promoted.push_back(results_.trial(best.id));
        }
        open_rung(rung_ + 1, std::move(promoted));
        continue;
      }
      if (++bracket_ == brackets_.size()) {
        bracket_ = 0;
        ++iteration_;
        if (options_.iterations > 0 && iteration_ >= options_.iterations) finished_ = true;
      }
      if (searcher_exhausted_) finished_ = true;  // a new bracket needs new trials
      open_rung(0, {});
    }
  }

  void open_rung(std::size_t index, std::vector<trial_id> members) {
    rung_ = index;
    members_ = std::move(members);
    dispatched_ = 0;
    settled_ = 0;
    results_ = detail::rung(options_.mode);
    ++serial_;
    for (const trial_id id : members_) {
      trial_state& state = *trials_.find(id);
      state.serial = serial_;
      state.entry = detail::rung::none;
    }
  }

  S searcher_;
  synchronous_hyperband_options options_;
  std::int64_t max_resource_ = 0;
  std::vector<hyperband_bracket> brackets_;
  detail::per_trial<trial_state> trials_;
  std::size_t bracket_ = 0;
  std::size_t rung_ = 0;
  std::int64_t iteration_ = 0;
  bool finished_ = false;
  bool searcher_exhausted_ = false;
  std::uint64_t serial_ = 1;         // counts rungs opened
  std::vector<trial_id> members_;    // the current rung's trials: started, or promoted best first
  std::size_t dispatched_ = 0;       // members started or resumed
  std::size_t settled_ = 0;          // members that reported at the level or ended
  detail::rung results_;             // the current rung's values
};

template <class S>
synchronous_hyperband(S, synchronous_hyperband_options) -> synchronous_hyperband<S>;

}  // namespace rung
