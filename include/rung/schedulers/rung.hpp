// One rung: the metric values recorded at a rung level, kept in rank order
// (best first, ties in arrival order) in an order-statistic tree, each with
// its trial and whether it may still be promoted. The same rung serves the
// stopping and promotion variants of ASHA, Hyperband's brackets and
// synchronous successive halving.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "rung/concepts/cutoff_rule.hpp"
#include "rung/decision.hpp"
#include "rung/schedulers/detail/order_statistic_tree.hpp"

namespace rung::detail {

class rung {
 public:
  using entry = order_statistic_tree::entry;
  using located = order_statistic_tree::located;
  static constexpr entry none = order_statistic_tree::none;

  explicit rung(mode m) : mode_(m) {}

  // Records a trial's value; `promotable`: it waits here for a promotion.
  entry record(trial_id trial, double metric, bool promotable) {
    trials_.push_back(trial);
    ++changes_;
    return entries_.insert(key_of(metric), promotable, std::isnan(metric));
  }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::size_t rank(entry e) const { return entries_.rank(e); }
  [[nodiscard]] trial_id trial(entry e) const { return trials_[e]; }
  // The value as reported: a NaN stays NaN (never good enough).
  [[nodiscard]] double metric(entry e) const { return metric_of(entries_.tagged(e), entries_.key(e)); }
  // The entry at a rank (0 = best).
  [[nodiscard]] located at(std::size_t rank) const { return entries_.at(rank); }

  // The best entry still waiting for a promotion (id none if there is none), with its rank.
  [[nodiscard]] located best_promotable() const { return entries_.first_marked(); }
  // The k-th best of them (k = 0: best_promotable()).
  [[nodiscard]] located promotable_at(std::size_t k) const { return entries_.marked_at(k); }
  [[nodiscard]] std::size_t promotable_count() const { return entries_.marked_count(); }
  [[nodiscard]] bool promotable(entry e) const { return entries_.marked(e); }
  // Promoted, or its trial ended: it stays as evidence, but never goes on.
  void retire(entry e) { retire(located{.id = e}); }
  void retire(const located& where) {
    entries_.unmark(where);
    ++changes_;
  }
  // Counts records and retirements: a rung that has not changed judges as before.
  [[nodiscard]] std::uint64_t changes() const noexcept { return changes_; }

  // The values best first, as cutoff rules read them (RankedValues): a NaN
  // reads as the worst value.
  class ranked_view {
   public:
    explicit ranked_view(const rung& owner) : owner_(&owner) {}
    [[nodiscard]] std::size_t size() const { return owner_->size(); }
    [[nodiscard]] double at(std::size_t rank) const { return owner_->ranked_of(owner_->entries_.at(rank).key); }

   private:
    const rung* owner_;
  };
  [[nodiscard]] ranked_view values() const { return ranked_view(*this); }

  // Whether entry e, just recorded with `metric`, goes on under `rule`; a
  // rung too small to judge lets it go on.
  template <CutoffRule Rule>
  [[nodiscard]] bool good_enough(const Rule& rule, entry e, double metric, cutoff_query query) const {
    if constexpr (reads_candidate_rank<Rule>) query.candidate_rank = rank(e);
    const auto cutoff = rule.cutoff(values(), with_mode(query));
    return !cutoff || at_least_as_good(mode_, metric, *cutoff);
  }
  // Whether the paused entry found by best_promotable() may be promoted; a
  // rung too small to judge holds it back.
  template <CutoffRule Rule>
  [[nodiscard]] bool promotable_now(const Rule& rule, located candidate, cutoff_query query) const {
    query.candidate_rank = candidate.rank;
    const auto cutoff = rule.cutoff(values(), with_mode(query));
    return cutoff && at_least_as_good(mode_, metric_of(candidate.tagged, candidate.key), *cutoff);
  }

 private:
  // Keys ascend from the best: the metric itself for min, negated for max.
  [[nodiscard]] double key_of(double metric) const {
    const double ranked = rank_value(mode_, metric);
    return mode_ == mode::min ? ranked : -ranked;
  }
  [[nodiscard]] double ranked_of(double key) const { return mode_ == mode::min ? key : -key; }
  // Reports that were NaN are tagged in the tree.
  [[nodiscard]] double metric_of(bool was_nan, double key) const {
    return was_nan ? std::numeric_limits<double>::quiet_NaN() : ranked_of(key);
  }
  [[nodiscard]] cutoff_query with_mode(cutoff_query query) const {
    query.mode = mode_;
    return query;
  }

  mode mode_;
  std::uint64_t changes_ = 0;
  order_statistic_tree entries_;
  std::vector<trial_id> trials_;  // by entry
};

}  // namespace rung::detail
