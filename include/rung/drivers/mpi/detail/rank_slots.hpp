// The worker slots of the MPI driver's ranks as rank 0 counts them: which
// are free on each rank. Rank 0 hosts none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rung::detail {

struct slot {
  int rank = 0;
  std::int64_t local = 0;  // 0 .. slots_per_rank - 1 on its rank (reporter::worker())
};

class rank_slots {
 public:
  rank_slots(int ranks, std::int64_t slots_per_rank)
      : free_(static_cast<std::size_t>(ranks)),
        total_(static_cast<std::size_t>(ranks - 1) * static_cast<std::size_t>(slots_per_rank)),
        free_count_(total_) {
    for (std::size_t rank = 1; rank < free_.size(); ++rank) {
      for (std::int64_t local = slots_per_rank; local-- > 0;) free_[rank].push_back(local);  // lowest taken first
    }
  }

  [[nodiscard]] std::size_t free_count() const noexcept { return free_count_; }
  [[nodiscard]] bool all_free() const noexcept { return free_count_ == total_; }
  [[nodiscard]] bool has_free(int rank) const { return !free_[static_cast<std::size_t>(rank)].empty(); }

  // On the rank with the most free slots (the lowest of equals), so that new
  // trials spread over the ranks; one must be free.
  slot take() {
    std::size_t best = 1;
    for (std::size_t rank = 2; rank < free_.size(); ++rank) {
      if (free_[rank].size() > free_[best].size()) best = rank;
    }
    return take_on(static_cast<int>(best));
  }

  // The rank must have a free slot.
  slot take_on(int rank) {
    auto& free = free_[static_cast<std::size_t>(rank)];
    const slot taken{rank, free.back()};
    free.pop_back();
    --free_count_;
    return taken;
  }

  void give_back(slot freed) {
    free_[static_cast<std::size_t>(freed.rank)].push_back(freed.local);
    ++free_count_;
  }

 private:
  std::vector<std::vector<std::int64_t>> free_;  // by rank
  std::size_t total_;
  std::size_t free_count_;
};

}  // namespace rung::detail
