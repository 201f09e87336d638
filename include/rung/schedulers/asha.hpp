// Asynchronous successive halving (ASHA, Li et al. 2020) and asynchronous
// Hyperband, with Syne Tune v0.13's decision rules (see the d2l chapter on
// ASHA with Syne Tune):
//
//   auto scheduler = rung::asha(rung::random_searcher(space, {.seed = 1}),
//                        {.metric = "validation_error", .grace_period = 2, .reduction_factor = 2,
//                         .max_resource_attr = "max_epochs"});
//
// type = stopping (the default, what Syne Tune's ASHA runs): every trial runs
// to the maximum resource unless, on reaching a rung level, its value is
// worse than the rung's cutoff; then it stops.
// type = promotion (the paper's Algorithm 2): every trial pauses at each rung;
// a free worker resumes the best paused trial that the cutoff lets go on, to
// the next rung, or else starts a new trial.
// brackets > 1 is asynchronous Hyperband: each new trial draws a bracket s
// (seeded) and skips the lowest s rungs.
// The cutoff rule is a policy: rung::asha_scheduler<Searcher, rung::top_k_rank>, or
// pass one as a third argument (schedulers/cutoff_rules.hpp).
// Reports must come at whole resources (rung levels are): on_report throws
// std::invalid_argument for 2.5, and the tuner records the trial as failed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rung/concepts/cutoff_rule.hpp"
#include "rung/concepts/searcher.hpp"
#include "rung/decision.hpp"
#include "rung/schedulers/cutoff_rules.hpp"
#include "rung/schedulers/detail/per_trial.hpp"
#include "rung/schedulers/halving_options.hpp"
#include "rung/schedulers/options.hpp"
#include "rung/schedulers/rung_levels.hpp"
#include "rung/schedulers/rung_system.hpp"

namespace rung {

enum class asha_type : std::uint8_t {
  stopping,   // stop a trial whose value at a rung is below the cutoff
  promotion,  // pause at every rung; resume the best paused trials
};

struct asha_options {
  std::string metric = {};
  rung::mode mode = rung::mode::min;
  std::string resource_attr = "epoch";
  std::int64_t grace_period = 1;                     // r_min, the lowest rung level
  double reduction_factor = 3.0;                     // eta >= 2; need not be whole (2.5)
  std::optional<std::int64_t> max_t = std::nullopt;  // the maximum resource R
  std::string max_resource_attr = {};                // or: the constant hyperparameter holding it
  std::vector<std::int64_t> rung_levels = {};        // explicit levels, instead of grace_period * eta^k
  asha_type type = asha_type::stopping;
  std::int64_t brackets = 1;                         // > 1: asynchronous Hyperband
  bool rung_system_per_bracket = false;              // brackets keep separate rungs (stronger hedging)
  std::uint64_t seed = 0;                            // the bracket draw
};

template <Searcher S, CutoffRule Rule = interpolated_quantile>
class asha_scheduler {
 public:
  using searcher_type = S;
  using config_type = typename S::config_type;
  using cutoff_rule_type = Rule;
  static constexpr std::string_view name = "asha";

  asha_scheduler(S searcher, asha_options options, Rule rule = {})
      : searcher_(std::move(searcher)),
        options_(checked(std::move(options), searcher_.space())),
        rungs_(detail::make_ladder(name, options_.grace_period, options_.reduction_factor, options_.rung_levels,
                                   detail::resolve_max_resource(searcher_.space(), name, core_of(options_))),
               {.metric_mode = options_.mode,
                .reduction_factor = options_.reduction_factor,
                .brackets = options_.brackets,
                .per_bracket = options_.rung_system_per_bracket,
                .seed = options_.seed},
               std::move(rule)) {
    detail::notify_metric_mode(searcher_, options_.mode);
  }

  suggestion<config_type> suggest(trial_id new_id, trial_admission admission = trial_admission::new_or_paused) {
    return suggest(new_id, admission, resume_filter{});
  }

  // The same, resuming only paused trials `may_resume` allows (a worker that
  // may resume only the trials paused on its machine): promotion promotes
  // the best allowed trial the cutoff lets go on, and one it refuses stays
  // paused for a worker that may resume it. Stopping resumes nothing.
  suggestion<config_type> suggest(trial_id new_id, trial_admission admission, resume_filter may_resume) {
    detail::require_trial_id(name, new_id);
    const std::size_t bracket = rungs_.next_bracket();  // a draw per job, as Syne Tune does
    bool held_back = false;
    if (options_.type == asha_type::promotion) {
      const auto found = rungs_.promote(bracket, may_resume);
      if (const auto& promoted = found.promoted) {
        rungs_.take_bracket();
        trial_state& state = *trials_.find(promoted->trial);
        state.phase = trial_phase::running;
        state.milestone = static_cast<std::uint8_t>(promoted->from_rung + 1);
        ++running_;
        return resume_trial{promoted->trial, state.paused_at, run_to(state.milestone)};
      }
      held_back = found.held_back;
    }
    auto config = admission == trial_admission::new_or_paused ? searcher_.suggest(new_id) : std::nullopt;
    if (!config) {
      // Running trials may still reach a rung and make a paused one
      // promotable; one held back waits for a worker that may resume it.
      const bool may_promote = options_.type == asha_type::promotion && (running_ > 0 || held_back);
      return may_promote ? suggestion<config_type>{wait_for_trials{}} : suggestion<config_type>{search_exhausted{}};
    }
    rungs_.take_bracket();
    trials_.set(new_id, trial_state{.bracket = static_cast<std::uint8_t>(bracket),
                                    .milestone = static_cast<std::uint8_t>(bracket),
                                    .phase = trial_phase::running});
    ++running_;
    return start_trial<config_type>{std::move(*config), run_to(bracket)};
  }

  decision on_report(const observation& obs) {
    const auto [state, standing] = detail::open_report(name, options_.resource_attr, trials_, obs);
    if (state == nullptr) return standing;
    detail::notify_report(searcher_, obs);
    const auto resource = static_cast<std::int64_t>(obs.resource);
    const decision outcome = resource >= ladder().max_resource()      ? decision::stop_trial
                             : options_.type == asha_type::stopping ? stopping_decision(obs, resource, *state)
                                                                    : promotion_decision(obs, resource, *state);
    if (outcome != decision::continue_trial) {
      state->phase = outcome == decision::pause_trial ? trial_phase::paused : trial_phase::stopped;
      --running_;
    }
    return outcome;
  }

  void on_trial_end(trial_id id, trial_end how) {
    detail::notify_trial_end(searcher_, id, how);
    trial_state* state = trials_.find(id);
    if (id < 0 || state == nullptr) return;
    if (state->phase == trial_phase::paused) rungs_.retire(state->bracket, state->milestone, state->paused_entry);
    if (state->phase == trial_phase::running) --running_;
    state->phase = trial_phase::ended;
  }

  // The promise of detail::SchedulerWithDecisionPoints: a running trial's
  // reports below its next decision point are answered continue_trial.
  // That point is the lowest of its rungs not yet recorded (stopping), or its
  // milestone (promotion), or else the maximum resource.
  [[nodiscard]] double continues_below(trial_id id) const {
    const trial_state state = trials_.get(id);
    if (state.phase != trial_phase::running) return 0.0;
    std::size_t next = state.milestone;  // stopping: its bracket's first rung
    if (options_.type == asha_type::stopping) {
      while (next < ladder().size() && (state.recorded >> next & 1U) != 0) ++next;
    }
    return static_cast<double>(next < ladder().size() ? ladder().level(next) : ladder().max_resource());
  }

  [[nodiscard]] std::string_view metric() const noexcept { return options_.metric; }
  [[nodiscard]] mode metric_mode() const noexcept { return options_.mode; }
  [[nodiscard]] std::string_view resource_attr() const noexcept { return options_.resource_attr; }
  [[nodiscard]] std::optional<double> max_resource(const config_type& /*config*/) const {
    return static_cast<double>(ladder().max_resource());
  }
  [[nodiscard]] const auto& space() const noexcept { return searcher_.space(); }
  [[nodiscard]] const S& searcher() const noexcept { return searcher_; }
  [[nodiscard]] const asha_options& options() const noexcept { return options_; }

  // The rung levels (below the maximum resource) and the brackets in use.
  [[nodiscard]] const rung_ladder& ladder() const noexcept { return rungs_.ladder(); }
  [[nodiscard]] std::size_t num_brackets() const noexcept { return rungs_.num_brackets(); }
  // What metadata.json and the status output call this configuration.
  [[nodiscard]] std::string_view variant() const noexcept {
    const bool promotion = options_.type == asha_type::promotion;
    if (num_brackets() > 1) return promotion ? "hyperband-promotion" : "hyperband-stopping";
    return promotion ? "asha-promotion" : "asha-stopping";
  }
  [[nodiscard]] const std::vector<double>& bracket_distribution() const noexcept {
    return rungs_.bracket_distribution();
  }
  // The bracket a started trial was drawn in.
  [[nodiscard]] std::optional<std::size_t> bracket_of(trial_id id) const {
    const trial_state state = id < 0 ? trial_state{} : trials_.get(id);
    if (state.phase == trial_phase::unknown) return std::nullopt;
    return state.bracket;
  }
  // Values recorded at rung j (of `bracket`'s rungs when they are kept apart).
  [[nodiscard]] std::size_t rung_size(std::size_t j, std::size_t bracket = 0) const {
    return rungs_.at(bracket, j).size();
  }

 private:
  using trial_phase = detail::halving_phase;

  struct trial_state {
    std::uint64_t recorded = 0;       // stopping: bit j set once recorded at rung j
    double paused_at = 0;             // promotion: the resource it paused at
    detail::rung::entry paused_entry = detail::rung::none;
    std::uint8_t bracket = 0;         // skips the lowest `bracket` rungs
    std::uint8_t milestone = 0;       // promotion: the rung it runs (or pauses) at; ladder size: the top
    trial_phase phase = trial_phase::unknown;
  };

  template <class Space>
  static asha_options checked(asha_options options, const Space& space) {
    detail::checked_core(name, options, space);
    detail::require_brackets(name, options.brackets);
    if (options.type != asha_type::stopping && options.type != asha_type::promotion) {
      detail::bad_option(name, "type", detail::to_text(static_cast<int>(options.type)), "must be stopping or promotion");
    }
    return options;
  }

  // Promotion: a trial running to `milestone` pauses at its level, or at the
  // top runs to the maximum resource. Stopping plans no pause: a trial not
  // stopped at a rung runs to the maximum resource.
  [[nodiscard]] double run_to(std::size_t milestone) const {
    return static_cast<double>(options_.type == asha_type::promotion ? ladder().level(milestone)
                                                                      : ladder().max_resource());
  }

  // Syne Tune's StoppingRungSystem: the highest of the trial's rungs at or
  // below the resource decides, if the trial reports exactly at its level
  // for the first time; a skipped level records nothing.
  decision stopping_decision(const observation& obs, std::int64_t resource, trial_state& state) {
    std::size_t j = ladder().size();
    while (j > state.bracket && ladder().level(j - 1) > resource) --j;
    if (j == state.bracket) return decision::continue_trial;  // below the trial's first rung
    const std::size_t rung_index = j - 1;
    const std::uint64_t bit = std::uint64_t{1} << rung_index;
    if (ladder().level(rung_index) != resource || (state.recorded & bit) != 0) return decision::continue_trial;
    state.recorded |= bit;
    return rungs_.record_and_judge(state.bracket, rung_index, obs.trial, obs.metric) ? decision::continue_trial
                                                                                      : decision::stop_trial;
  }

  // Syne Tune's PromotionRungSystem: a trial pauses at its next milestone
  // (a report past it counts for it) and waits there to be promoted.
  decision promotion_decision(const observation& obs, std::int64_t resource, trial_state& state) {
    if (state.milestone >= ladder().size() || resource < ladder().level(state.milestone)) {
      return decision::continue_trial;
    }
    state.paused_entry = rungs_.record_paused(state.bracket, state.milestone, obs.trial, obs.metric);
    state.paused_at = obs.resource;
    return decision::pause_trial;
  }

  S searcher_;
  asha_options options_;
  detail::rung_system<Rule> rungs_;
  detail::per_trial<trial_state> trials_;
  std::int64_t running_ = 0;  // trials started or resumed, not yet paused or ended
};

// A function, not the class name, so that the spelling
// `rung::tuner tuner(rung::asha(searcher), {...})` compiles: g++ 12 reads a
// class template there as the start of a function declaration.
template <Searcher S, CutoffRule Rule = interpolated_quantile>
[[nodiscard]] asha_scheduler<S, Rule> asha(S searcher, asha_options options = {}, Rule rule = {}) {
  return asha_scheduler<S, Rule>(std::move(searcher), std::move(options), std::move(rule));
}

}  // namespace rung
