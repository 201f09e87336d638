// The rungs of asynchronous successive halving and Hyperband (Syne Tune's
// RungSystem and HyperbandBracketManager): one rung per level, shared by
// all brackets or one set per bracket, the cutoff rule that judges them, and
// the seeded bracket draw. ASHA's stopping and promotion variants both run
// on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "rung/concepts/cutoff_rule.hpp"
#include "rung/decision.hpp"
#include "rung/random.hpp"
#include "rung/schedulers/rung.hpp"
#include "rung/schedulers/rung_levels.hpp"

namespace rung::detail {

template <CutoffRule Rule>
class rung_system {
 public:
  using entry = rung::entry;
  static constexpr entry none = rung::none;

  struct settings {
    mode metric_mode = mode::min;
    double reduction_factor = 3.0;
    std::int64_t brackets = 1;
    bool per_bracket = false;  // each bracket its own rungs (stronger hedging), or all share one set
    std::uint64_t seed = 0;
  };

  rung_system(rung_ladder ladder, settings config, Rule rule)
      : ladder_(std::move(ladder)),
        config_(config),
        weights_(bracket_weights(ladder_, config.brackets)),
        rule_(std::move(rule)),
        random_(config.seed) {
    const std::size_t systems = config_.per_bracket ? weights_.size() : 1;
    rungs_.assign(systems * ladder_.size(), rung(config_.metric_mode));
    judged_unpromotable_at_.assign(rungs_.size(), never);
  }

  [[nodiscard]] const rung_ladder& ladder() const noexcept { return ladder_; }
  [[nodiscard]] std::size_t num_brackets() const noexcept { return weights_.size(); }
  [[nodiscard]] const std::vector<double>& bracket_distribution() const noexcept { return weights_; }

  // The bracket of the next job; with one bracket nothing is drawn. It is
  // drawn once and kept until a job takes it (take_bracket()): a suggestion
  // that hands out nothing leaves nothing in the journal, so it must not use
  // up a draw, or a replay of the journal would draw out of step.
  std::size_t next_bracket() {
    if (weights_.size() == 1) return 0;
    if (!pending_bracket_) pending_bracket_ = draw_bracket();
    return *pending_bracket_;
  }
  void take_bracket() noexcept { pending_bracket_.reset(); }

  // Stopping: records the value of a trial of `bracket` at rung j and
  // judges it against the rung, itself included. True: it continues.
  bool record_and_judge(std::size_t bracket, std::size_t j, trial_id trial, double metric) {
    rung& target = at(bracket, j);
    const entry recorded = target.record(trial, metric, false);
    return target.good_enough(rule_, recorded, metric, query(j, cutoff_use::stopping));
  }

  // Promotion: the trial pauses at rung j, waiting to be promoted.
  entry record_paused(std::size_t bracket, std::size_t j, trial_id trial, double metric) {
    return at(bracket, j).record(trial, metric, true);
  }

  // The trial paused at `e` ended: its value stays, it is never promoted.
  void retire(std::size_t bracket, std::size_t j, entry e) { at(bracket, j).retire(e); }

  struct promotion {
    trial_id trial = 0;
    std::size_t from_rung = 0;
  };
  // What a job may be given. held_back: a trial that qualified was passed
  // over only because the filter refused it (another worker may resume it).
  struct promotion_search {
    std::optional<promotion> promoted;
    bool held_back = false;
  };

  // Syne Tune's promotion for a job drawn in `bracket`: from the highest rung
  // down, the best paused entry if the rule lets it go on; marks it promoted.
  // Of the entries the rule lets go on, only those whose trial `may_resume`
  // allows count: the best allowed one is promoted. The rules judge a worse
  // entry never kinder than a better one (the shipped ones do not), so the
  // walk down a rung ends at the first allowed entry, and a rung whose best
  // does not qualify offers nothing to any filter.
  promotion_search promote(std::size_t bracket, resume_filter may_resume) {
    const std::size_t lowest = config_.per_bracket ? bracket : 0;  // a shared system offers all its rungs
    bool held_back = false;
    for (std::size_t j = ladder_.size(); j-- > lowest;) {
      const std::size_t index = index_of(bracket, j);
      rung& candidates = rungs_[index];
      // A rung unchanged since it last offered nothing offers nothing now.
      if (judged_unpromotable_at_[index] == candidates.changes()) continue;
      const cutoff_query cut = query(j, cutoff_use::promotion);
      const auto best = candidates.best_promotable();
      if (best.id == none || !candidates.promotable_now(rule_, best, cut)) {
        judged_unpromotable_at_[index] = candidates.changes();
        continue;
      }
      auto chosen = best;
      for (std::size_t k = 1; chosen.id != none && !may_resume(candidates.trial(chosen.id)); ++k) {
        held_back = true;
        chosen = candidates.promotable_at(k);
        if (chosen.id != none && !candidates.promotable_now(rule_, chosen, cut)) chosen = {};
      }
      if (chosen.id == none) continue;
      candidates.retire(chosen);
      return {promotion{candidates.trial(chosen.id), j}, held_back};
    }
    return {std::nullopt, held_back};
  }

  [[nodiscard]] const rung& at(std::size_t bracket, std::size_t j) const { return rungs_[index_of(bracket, j)]; }

 private:
  static constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();

  rung& at(std::size_t bracket, std::size_t j) { return rungs_[index_of(bracket, j)]; }
  [[nodiscard]] std::size_t index_of(std::size_t bracket, std::size_t j) const {
    return (config_.per_bracket ? bracket : 0) * ladder_.size() + j;
  }

  std::size_t draw_bracket() {
    const double u = random_.uniform01();
    double cumulative = 0;
    for (std::size_t s = 0; s + 1 < weights_.size(); ++s) {
      cumulative += weights_[s];
      if (u < cumulative) return s;
    }
    return weights_.size() - 1;
  }

  [[nodiscard]] cutoff_query query(std::size_t j, cutoff_use use) const {
    return {.mode = config_.metric_mode,
            .quantile = ladder_.promotion_quantile(j),
            .reduction_factor = config_.reduction_factor,
            .use = use,
            .candidate_rank = 0};
  }

  rung_ladder ladder_;
  settings config_;
  std::vector<double> weights_;
  Rule rule_;
  random_stream random_;
  std::optional<std::size_t> pending_bracket_;  // drawn, not yet taken by a job
  std::vector<rung> rungs_;  // system * ladder size + level index
  std::vector<std::uint64_t> judged_unpromotable_at_;  // by rung: its changes() when nothing qualified
};

}  // namespace rung::detail
