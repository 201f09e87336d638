// State kept per trial in a scheduler. Drivers number trials 0, 1, 2, ...,
// so the ids in use are dense and a vector indexed by id is the map: O(1),
// no hashing. Ask/tell callers may use any id, though, so an id far beyond
// those in use is kept in an ordered map instead: ids never used cost nothing.
#pragma once

#include <cstddef>
#include <map>
#include <utility>
#include <vector>

#include "rung/decision.hpp"

namespace rung::detail {

template <class Value>
class per_trial {
 public:
  void set(trial_id id, Value value) { slot(id) = std::move(value); }

  // The trial's value, made (Value{}) on first use.
  Value& slot(trial_id id) {
    if (Value* found = find(id)) return *found;
    ++beyond_;
    // The vector grows only to twice the ids that came past its end, so its
    // size stays proportional to the ids in use.
    const auto index = static_cast<std::size_t>(id);  // a negative id is far beyond: kept apart
    if (index >= 2 * beyond_ + dense_slack) return apart_[id];
    dense_.resize(index + 1);
    if (!apart_.empty()) move_into_vector(id);
    return dense_[index];
  }

  [[nodiscard]] Value get(trial_id id) const {
    const Value* found = lookup(id);
    return found != nullptr ? *found : Value{};
  }

  [[nodiscard]] Value* find(trial_id id) { return const_cast<Value*>(lookup(id)); }

 private:
  static constexpr std::size_t dense_slack = 64;  // ids that may be skipped at the start

  // Ids kept apart up to `last` now fall within the vector.
  void move_into_vector(trial_id last) {
    for (auto kept = apart_.lower_bound(0); kept != apart_.end() && kept->first <= last;) {
      dense_[static_cast<std::size_t>(kept->first)] = std::move(kept->second);
      kept = apart_.erase(kept);
    }
  }

  [[nodiscard]] const Value* lookup(trial_id id) const {
    const auto index = static_cast<std::size_t>(id);
    if (index < dense_.size()) return &dense_[index];
    if (apart_.empty()) return nullptr;
    const auto kept = apart_.find(id);
    return kept != apart_.end() ? &kept->second : nullptr;
  }

  std::vector<Value> dense_;          // ids 0 .. size - 1
  std::map<trial_id, Value> apart_;   // ids far beyond the vector's end
  std::size_t beyond_ = 0;            // ids that came past the vector's end, kept apart or not
};

}  // namespace rung::detail
