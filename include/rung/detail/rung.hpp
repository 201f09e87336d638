// One rung: the metric values recorded at a rung level, kept in rank order
// (best first, ties in arrival order) in an order-statistic tree, each with
// its trial and whether it may still be promoted. The same rung serves the
// stopping and promotion variants of ASHA, Hyperband's brackets and
// synchronous successive halving.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "rung/concepts/cutoff_rule.hpp"
#include "rung/decision.hpp"
#include "rung/detail/order_statistic_tree.hpp"

namespace rung::detail {

class rung {
 public:
  using entry = order_statistic_tree::entry;
  static constexpr entry none = order_statistic_tree::none;

  explicit rung(mode m) : mode_(m) {}

  // Records a trial's value; `promotable`: it waits here for a promotion.
  entry record(trial_id trial, double metric, bool promotable) {
    trials_.push_back({trial, metric});
    return entries_.insert(key_of(metric), promotable);
  }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::size_t rank(entry e) const { return entries_.rank(e); }
  [[nodiscard]] trial_id trial(entry e) const { return trials_[e].trial; }
  // The value as reported (NaN stays NaN: never good enough).
  [[nodiscard]] double metric(entry e) const { return trials_[e].metric; }
  // The value as ranked: a NaN reads as the worst value.
  [[nodiscard]] double value(entry e) const { return metric_of(entries_.key(e)); }
  [[nodiscard]] entry at(std::size_t rank) const { return entries_.at(rank); }

  // The best entry still waiting for a promotion, or none.
  [[nodiscard]] entry best_promotable() const { return entries_.first_marked(); }
  [[nodiscard]] std::size_t promotable_count() const { return entries_.marked_count(); }
  [[nodiscard]] bool promotable(entry e) const { return entries_.marked(e); }
  // Promoted, or its trial ended: it stays as evidence, but never goes on.
  void retire(entry e) { entries_.unmark(e); }

  // The values best first, as cutoff rules read them (RankedValues).
  class ranked_view {
   public:
    explicit ranked_view(const rung& owner) : owner_(&owner) {}
    [[nodiscard]] std::size_t size() const { return owner_->size(); }
    [[nodiscard]] double at(std::size_t rank) const { return owner_->value(owner_->at(rank)); }

   private:
    const rung* owner_;
  };
  [[nodiscard]] ranked_view values() const { return ranked_view(*this); }

  // Whether the entry e goes on under `rule`.
  template <CutoffRule Rule>
  [[nodiscard]] bool good_enough(const Rule& rule, entry e, cutoff_query query) const {
    query.mode = mode_;
    query.candidate_rank = rank(e);
    const auto cutoff = rule.cutoff(values(), query);
    return !cutoff || at_least_as_good(mode_, metric(e), *cutoff);
  }
  // As above, but a rung too small to judge holds the entry back.
  template <CutoffRule Rule>
  [[nodiscard]] bool judged_good_enough(const Rule& rule, entry e, cutoff_query query) const {
    query.mode = mode_;
    query.candidate_rank = rank(e);
    const auto cutoff = rule.cutoff(values(), query);
    return cutoff && at_least_as_good(mode_, metric(e), *cutoff);
  }

 private:
  // Keys ascend from the best: the metric itself for min, negated for max.
  [[nodiscard]] double key_of(double metric) const {
    const double ranked = rank_value(mode_, metric);
    return mode_ == mode::min ? ranked : -ranked;
  }
  [[nodiscard]] double metric_of(double key) const { return mode_ == mode::min ? key : -key; }

  mode mode_;
  order_statistic_tree entries_;
  struct recorded {
    trial_id trial = 0;
    double metric = 0;
  };
  std::vector<recorded> trials_;  // by entry
};

}  // namespace rung::detail
