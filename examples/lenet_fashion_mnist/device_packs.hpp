// Packed trials inside the tuner (--pack N): the trials training on one
// device at once share packs (packed_lenet) of at most N members. A trial's
// thread hands its member in for one epoch and takes it back out to
// validate and report, so a member the scheduler stops or pauses is out of
// its pack at once, its state kept by its own thread, while the others train
// on; a new or resumed trial joins between two pack steps. Whichever
// member's thread finds its pack without a driver runs the pack's steps; the
// others wait for their epoch to end.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "fashion_mnist.hpp"
#include "packed_lenet.hpp"

namespace lenet {

class device_packs {
 public:
  // `packs` packs of at most `pack_size` members over `data` on `device`.
  // Throws std::invalid_argument naming --pack for a pack_size or a number
  // of packs below 1.
  device_packs(const fashion_mnist& data, const torch::Device& device, std::size_t packs, std::size_t pack_size);
  device_packs(const device_packs&) = delete;
  device_packs& operator=(const device_packs&) = delete;

  // Trains `member` for one epoch in the pack with the fewest members, and
  // returns its mean training loss with the member back in `member`.
  // Returns nullopt, the member back mid-epoch, once `interrupted()` is true.
  // Throws `diverged` when its loss became NaN or infinite (the rest of the
  // pack trains on), and std::invalid_argument naming --pack when the pack
  // refuses the member (another architecture).
  std::optional<double> train_epoch(packed_member_state& member, std::function<bool()> interrupted);

  // The most members one pack has trained at once so far.
  [[nodiscard]] std::size_t most_packed();

 private:
  // One member's epoch in a pack, owned by the thread that waits for it.
  struct member_epoch_request {
    std::int64_t id = 0;
    std::function<bool()> interrupted;
    std::optional<packed_member_state> state;  // outside the pack: before it joins and after it left
    bool in_pack = false;
    bool done = false;
    std::optional<double> mean_loss;  // set when its epoch ended
    std::exception_ptr error;
  };

  struct member_pack {
    std::optional<packed_lenet> model;
    std::vector<member_epoch_request*> requests;  // waiting or in the pack
    bool driven = false;
    std::atomic<std::size_t> joining{0};  // requests waiting to join: the driver stops at the next step for them
  };

  member_pack& least_loaded();
  // Runs `pack`'s steps until some member's epoch ends, one is interrupted
  // or another waits to join; `lock` is held on entry and exit, not while
  // the pack trains.
  void drive(member_pack& pack, std::unique_lock<std::mutex>& lock);

  const fashion_mnist& data_;
  torch::Device device_;
  std::size_t pack_size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::unique_ptr<member_pack>> packs_;
  std::size_t most_packed_ = 0;
};

}  // namespace lenet
