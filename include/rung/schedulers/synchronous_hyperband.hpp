// Synchronous successive halving and synchronous Hyperband (Li et al., JMLR
// 2018), faithful to the synchronous algorithm so that a run shows what
// asynchrony buys: every trial of a rung runs to the rung's level and
// pauses; only when the whole rung has reported are its best floor(n/eta)
// resumed to the next level. Until then suggest() answers wait_for_trials and
// free workers idle: the stragglers of the seeds' first figure.
//
//   auto scheduler = rung::synchronous_hyperband(rung::random_searcher(space, {.seed = 1}),
//                                         {.metric = "error", .max_t = 81});
//
// Brackets run one after another, s = s_max .. 0 (hyperband_brackets() in
// rung_levels.hpp), and the pass repeats (`iterations` passes, or until the
// stop criterion). With parallel_brackets, a worker that would wait starts
// the next bracket instead (as Syne Tune does); each bracket stays synchronous. brackets = 1 keeps only s = s_max: synchronous successive
// halving, the paper's Algorithm 1 with n = eta^s_max trials. If the
// searcher runs out, a rung closes with the trials it has. Once no more may
// start (max_num_trials_started), a first rung that is not full waits: the
// tuning ends with its trials paused, and a resume with a larger budget
// fills it as an uninterrupted run would have.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rung/concepts/searcher.hpp"
#include "rung/decision.hpp"
#include "rung/schedulers/detail/per_trial.hpp"
#include "rung/schedulers/halving_options.hpp"
#include "rung/schedulers/options.hpp"
#include "rung/schedulers/rung.hpp"
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
  // While every open bracket's rung waits for stragglers, start the next
  // bracket on the free worker (Syne Tune's synchronous Hyperband). Off: the
  // synchronous algorithm as published, idle workers and all.
  bool parallel_brackets = false;
};

template <Searcher S>
class synchronous_hyperband_scheduler {
 public:
  using searcher_type = S;
  using config_type = typename S::config_type;
  static constexpr std::string_view name = "synchronous_hyperband";

  synchronous_hyperband_scheduler(S searcher, synchronous_hyperband_options options)
      : searcher_(std::move(searcher)), options_(checked(std::move(options), searcher_.space())) {
    detail::notify_metric_mode(searcher_, options_.mode);
    max_resource_ = detail::resolve_max_resource(searcher_.space(), name, core_of(options_));
    brackets_ = hyperband_brackets(options_.grace_period, options_.reduction_factor, max_resource_, name);
    if (options_.brackets && static_cast<std::size_t>(*options_.brackets) < brackets_.size()) {
      brackets_.resize(static_cast<std::size_t>(*options_.brackets));
    }
    open_run();
  }

  suggestion<config_type> suggest(trial_id new_id, trial_admission admission = trial_admission::new_or_paused) {
    return suggest(new_id, admission, resume_filter{});
  }

  // The same, resuming only promoted trials `may_resume` allows (a worker
  // that may resume only the trials paused on its machine): the best allowed
  // one of a rung goes first, and one it refuses stays promoted, for a
  // worker that may resume it.
  suggestion<config_type> suggest(trial_id new_id, trial_admission admission, resume_filter may_resume) {
    detail::require_trial_id(name, new_id);
    while (!finished_) {
      const bool exhausted_before = searcher_exhausted_;
      for (auto& run : runs_) {
        if (auto job = job_from(run, new_id, admission, may_resume)) return std::move(*job);
        if (searcher_exhausted_ != exhausted_before) break;
      }
      // Every open bracket waits for its stragglers: lend the worker to the next bracket.
      if (searcher_exhausted_ == exhausted_before && options_.parallel_brackets &&
          admission == trial_admission::new_or_paused && can_open_run()) {
        open_run();
        if (auto job = job_from(runs_.back(), new_id, admission, may_resume)) return std::move(*job);
      }
      if (searcher_exhausted_ == exhausted_before) return wait_for_trials{};
      advance();  // first rungs just closed with the trials they have: some may be complete
    }
    return search_exhausted{};
  }

  decision on_report(const observation& obs) {
    const auto [state, standing] = detail::open_report(name, options_.resource_attr, trials_, obs);
    if (state == nullptr) return standing;
    bracket_run* run = run_of(*state);
    if (run == nullptr) return decision::stop_trial;
    detail::notify_report(searcher_, obs);
    const auto resource = static_cast<std::int64_t>(obs.resource);
    if (resource < level_of(*run) && resource < max_resource_) return decision::continue_trial;
    // At the rung's level (a report past it counts for it): wait for the rung.
    const bool done = resource >= max_resource_ || run->rung + 1 == brackets_[run->bracket].rungs.size();
    state->entry = run->results.record(obs.trial, obs.metric, !done);
    state->paused_at = obs.resource;
    state->phase = done ? trial_phase::stopped : trial_phase::paused;
    ++run->settled;
    advance();
    return done ? decision::stop_trial : decision::pause_trial;
  }

  void on_trial_end(trial_id id, trial_end how) {
    detail::notify_trial_end(searcher_, id, how);
    trial_state* state = trials_.find(id);
    if (id < 0 || state == nullptr || state->phase == trial_phase::unknown) return;
    if (bracket_run* run = run_of(*state)) {  // it belongs to a rung still open
      if (state->phase == trial_phase::running) ++run->settled;  // it will not report here
      if (state->phase == trial_phase::paused) {
        if (state->entry == detail::rung::none) {
          ++run->settled;  // promoted, not yet resumed: it never will be
        } else {
          run->results.retire(state->entry);  // reported here: it is not promoted
        }
      }
    }
    state->phase = trial_phase::ended;
    advance();
  }

  [[nodiscard]] std::string_view variant() const noexcept {
    return brackets_.size() == 1 ? "synchronous-successive-halving" : "synchronous-hyperband";
  }
  [[nodiscard]] std::string_view metric() const noexcept { return options_.metric; }
  [[nodiscard]] mode metric_mode() const noexcept { return options_.mode; }
  [[nodiscard]] std::string_view resource_attr() const noexcept { return options_.resource_attr; }
  [[nodiscard]] std::optional<double> max_resource(const config_type& /*config*/) const {
    return static_cast<double>(max_resource_);
  }
  [[nodiscard]] const auto& space() const noexcept { return searcher_.space(); }
  [[nodiscard]] const S& searcher() const noexcept { return searcher_; }

  // The brackets of one pass, and where the schedule stands: the oldest
  // open bracket and its rung, how many passes are done, how many brackets are open.
  [[nodiscard]] const std::vector<hyperband_bracket>& brackets() const noexcept { return brackets_; }
  [[nodiscard]] std::size_t bracket_index() const noexcept {
    return runs_.empty() ? runs_opened_ % brackets_.size() : runs_.front().bracket;
  }
  [[nodiscard]] std::size_t rung_index() const noexcept { return runs_.empty() ? 0 : runs_.front().rung; }
  [[nodiscard]] std::int64_t iteration() const noexcept {
    return static_cast<std::int64_t>(runs_finished_ / brackets_.size());
  }
  [[nodiscard]] std::size_t open_brackets() const noexcept { return runs_.size(); }

 private:
  using trial_phase = detail::halving_phase;

  struct trial_state {
    double paused_at = 0;
    detail::rung::entry entry = detail::rung::none;  // its value in the rung it reported at; none once promoted
    std::uint64_t serial = 0;                        // the rung it belongs to
    trial_phase phase = trial_phase::unknown;
  };

  // One bracket being run: its current rung and that rung's trials.
  struct bracket_run {
    std::size_t bracket = 0;
    std::size_t rung = 0;
    std::uint64_t serial = 0;       // tells this rung from every other one opened
    std::vector<trial_id> members = {};  // started, or promoted best first
    std::size_t dispatched = 0;     // members started or resumed
    std::size_t settled = 0;        // members that reported at the level or ended
    detail::rung results{mode::min};  // the rung's values (in the scheduler's mode once opened)
  };

  template <class Space>
  static synchronous_hyperband_options checked(synchronous_hyperband_options options, const Space& space) {
    detail::checked_core(name, options, space);
    if (options.brackets) detail::require_brackets(name, *options.brackets);
    if (options.iterations < 0) {
      detail::bad_option(name, "iterations", detail::to_text(options.iterations), "must be >= 0 (0: until stopped)");
    }
    return options;
  }

  [[nodiscard]] std::int64_t level_of(const bracket_run& run) const {
    return brackets_[run.bracket].rungs[run.rung].level;
  }
  [[nodiscard]] std::size_t wanted(const bracket_run& run) const {
    return static_cast<std::size_t>(brackets_[run.bracket].rungs[run.rung].trials);
  }

  bracket_run* run_of(const trial_state& state) {
    for (auto& run : runs_) {
      if (run.serial == state.serial) return &run;
    }
    return nullptr;
  }

  // A start or resume from this bracket's rung, if it has one to give.
  std::optional<suggestion<config_type>> job_from(bracket_run& run, trial_id new_id, trial_admission admission,
                                                  resume_filter may_resume) {
    if (run.rung == 0 && !searcher_exhausted_ && run.members.size() < wanted(run)) {
      // Only a new trial would do. With none allowed, nothing changes: the
      // rung waits, so that a resume with a larger budget goes on from here.
      if (admission == trial_admission::paused_only) return std::nullopt;
      if (auto config = searcher_.suggest(new_id)) {
        run.members.push_back(new_id);
        ++run.dispatched;
        trials_.set(new_id, trial_state{.serial = run.serial, .phase = trial_phase::running});
        return start_trial<config_type>{std::move(*config), static_cast<double>(level_of(run))};
      }
      searcher_exhausted_ = true;  // first rungs close with the trials they have (none more may start)
      return std::nullopt;
    }
    // Members from `dispatched` on wait, best first; the first allowed one
    // moves up to `dispatched`, the refused ones keep their order behind it.
    for (std::size_t k = run.dispatched; k < run.members.size(); ++k) {
      const trial_id id = run.members[k];
      trial_state& state = *trials_.find(id);
      if (state.phase == trial_phase::ended) {
        if (k == run.dispatched) ++run.dispatched;  // gone: never to be resumed
        continue;
      }
      if (!may_resume(id)) continue;
      std::rotate(run.members.begin() + static_cast<std::ptrdiff_t>(run.dispatched),
                  run.members.begin() + static_cast<std::ptrdiff_t>(k),
                  run.members.begin() + static_cast<std::ptrdiff_t>(k + 1));
      ++run.dispatched;
      state.phase = trial_phase::running;
      return resume_trial{id, state.paused_at, static_cast<double>(level_of(run))};
    }
    return std::nullopt;  // the rung's trials are still running, or wait for other workers
  }

  [[nodiscard]] bool rung_complete(const bracket_run& run) const {
    const bool closed = run.rung > 0 || searcher_exhausted_ || run.members.size() >= wanted(run);
    return closed && run.settled == run.members.size();
  }

  [[nodiscard]] bool can_open_run() const {
    const auto limit = static_cast<std::size_t>(options_.iterations) * brackets_.size();
    return !searcher_exhausted_ && (options_.iterations == 0 || runs_opened_ < limit);
  }

  void open_run() {
    runs_.push_back({.bracket = runs_opened_++ % brackets_.size(), .results = detail::rung(options_.mode)});
    open_rung(runs_.back(), 0, {});
  }

  // Moves every bracket on while its rung is complete: promotes the rung's
  // best to the next rung, or closes the bracket; with none left open, opens
  // the next bracket of the pass, or ends.
  void advance() {
    for (auto run = runs_.begin(); run != runs_.end();) {
      if (!rung_complete(*run)) {
        ++run;
      } else if (run->rung + 1 < brackets_[run->bracket].rungs.size()) {
        std::vector<trial_id> promoted;
        const auto next_wanted = static_cast<std::size_t>(brackets_[run->bracket].rungs[run->rung + 1].trials);
        while (promoted.size() < next_wanted) {
          const auto best = run->results.best_promotable();  // best first, ties by arrival, NaN last
          if (best.id == detail::rung::none) break;
          run->results.retire(best);
          promoted.push_back(run->results.trial(best.id));
        }
        open_rung(*run, run->rung + 1, std::move(promoted));  // looked at again: it may be complete at once
      } else {
        ++runs_finished_;
        run = runs_.erase(run);
      }
    }
    if (!runs_.empty()) return;
    if (!can_open_run()) {
      finished_ = true;
      return;
    }
    open_run();
  }

  void open_rung(bracket_run& run, std::size_t index, std::vector<trial_id> members) {
    run.rung = index;
    run.members = std::move(members);
    run.dispatched = 0;
    run.settled = 0;
    run.results = detail::rung(options_.mode);
    run.serial = ++serial_;
    for (const trial_id id : run.members) {
      trial_state& state = *trials_.find(id);
      state.serial = run.serial;
      state.entry = detail::rung::none;
    }
  }

  S searcher_;
  synchronous_hyperband_options options_;
  std::int64_t max_resource_ = 0;
  std::vector<hyperband_bracket> brackets_;
  detail::per_trial<trial_state> trials_;
  std::deque<bracket_run> runs_;  // open brackets, oldest first
  std::size_t runs_opened_ = 0;
  std::size_t runs_finished_ = 0;
  bool finished_ = false;
  bool searcher_exhausted_ = false;
  std::uint64_t serial_ = 0;  // counts rungs opened
};

// A function, not the class name: see asha() in asha.hpp.
template <Searcher S>
[[nodiscard]] synchronous_hyperband_scheduler<S> synchronous_hyperband(S searcher, synchronous_hyperband_options options) {
  return synchronous_hyperband_scheduler<S>(std::move(searcher), std::move(options));
}

}  // namespace rung
