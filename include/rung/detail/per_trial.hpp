// State kept per trial in a scheduler. Drivers number trials 0, 1, 2, ...
// so a vector indexed by trial id is the map: O(1), no hashing.
#pragma once

#include <cstddef>
#include <vector>

#include "rung/decision.hpp"

namespace rung::detail {

template <class Value>
class per_trial {
 public:
  void set(trial_id id, Value value) {
    const auto index = static_cast<std::size_t>(id);
    if (index >= values_.size()) values_.resize(index + 1);
    values_[index] = std::move(value);
  }

  [[nodiscard]] Value get(trial_id id) const {
    const auto index = static_cast<std::size_t>(id);
    return index < values_.size() ? values_[index] : Value{};
  }

  [[nodiscard]] Value* find(trial_id id) {
    const auto index = static_cast<std::size_t>(id);
    return index < values_.size() ? &values_[index] : nullptr;
  }

  [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }

 private:
  std::vector<Value> values_;
};

}  // namespace rung::detail
