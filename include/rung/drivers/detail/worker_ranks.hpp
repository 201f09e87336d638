// The simulator's workers grouped into ranks (machines) of per_rank workers,
// the last rank holding what is left; per_rank 0 is one machine. It keeps
// each rank's free workers, lowest first, and which ranks were asked in vain
// since the last begin_pass(): a free worker that got nothing gets nothing
// until something happens, and neither does any other worker of its rank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

namespace rung::detail {

class worker_ranks {
 public:
  worker_ranks(std::size_t workers, std::size_t per_rank)
      : per_rank_(per_rank == 0 || per_rank > workers ? workers : per_rank),
        free_(per_rank_ == 0 ? 1 : (workers + per_rank_ - 1) / per_rank_),
        asked_in_vain_(free_.size(), 0) {
    for (std::size_t worker = 0; worker < workers; ++worker) release(worker);
  }

  [[nodiscard]] std::size_t ranks() const noexcept { return free_.size(); }
  [[nodiscard]] std::size_t rank_of(std::size_t worker) const noexcept {
    return per_rank_ == 0 ? 0 : worker / per_rank_;
  }

  void release(std::size_t worker) { free_[rank_of(worker)].push(worker); }
  // The lowest free worker of `rank`, which must have one; it is busy from now.
  std::size_t take(std::size_t rank) {
    const std::size_t worker = free_[rank].top();
    free_[rank].pop();
    return worker;
  }

  void begin_pass() noexcept { ++pass_; }
  void asked_in_vain(std::size_t rank) { asked_in_vain_[rank] = pass_; }
  // The rank of the lowest free worker, of the ranks not asked in vain in this pass.
  [[nodiscard]] std::optional<std::size_t> next_to_ask() const {
    std::optional<std::size_t> found;
    for (std::size_t rank = 0; rank < free_.size(); ++rank) {
      if (free_[rank].empty() || asked_in_vain_[rank] == pass_) continue;
      if (!found || free_[rank].top() < free_[*found].top()) found = rank;
    }
    return found;
  }

 private:
  using lowest_first = std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>>;

  std::size_t per_rank_;
  std::vector<lowest_first> free_;  // by rank
  std::vector<std::uint64_t> asked_in_vain_;  // by rank: the pass it was last asked in vain
  std::uint64_t pass_ = 1;
};

}  // namespace rung::detail
