// Packed trials: HFTA's horizontally fused training (Wang et al., MLSys
// 2021) for the seeds' LeNet. N members of the same architecture, each with
// its own weights, learning rate, batch size and minibatch order, train as
// one model on one device: the convolutions are grouped convolutions
// (groups = N) over the members' channel-stacked images, the dense layers
// batched matmuls over [N, out, in] weights, and one optimizer step updates
// every member with its own learning rate. Each member computes exactly what
// lenet_training computes alone, up to floating-point summation order.
//
// Batch sizes. Members with different batch sizes share a pack: each pack
// step feeds every member a chunk of at most `chunk_images` images of its
// own current minibatch, and a member takes its SGD step (with its
// minibatch's mean gradient, summed over its chunks) once its whole
// minibatch has gone through; a member whose chunk is shorter than the
// step's widest is padded with weight-0 copies of its own images. So each
// member steps on its own batch schedule: the seeds' batch_size is
// randint(32, 256), and packing only equal batch sizes would almost never
// pack. By default a chunk is the smallest batch size in the pack, so
// little is padded (at most one partial chunk per minibatch) while the
// steps stay as wide as the smallest member allows; bench_lenet_pack
// measures this against padding every member to the largest batch size.
//
// Join and leave. Between two calls of train(), a member can leave (it is
// stopped, or paused: its packed_member_state holds everything it needs to
// go on exactly where it stopped, partly summed gradient included) and a
// new or resumed member can join; a member of another architecture is
// refused. A member whose loss becomes NaN or infinite fails alone at the
// end of its epoch and leaves; its weights never mix with the others'.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/nn/modules/container/sequential.h>
#include <torch/types.h>

#include "fashion_mnist.hpp"
#include "lenet_model.hpp"

namespace lenet {

// Everything a member of a pack needs to train on exactly where it stopped,
// in this pack or another one over the same data on the same device.
struct packed_member_state {
  std::int64_t id = 0;  // the caller's name for it (a trial id), unique in a pack
  training_settings settings;
  std::vector<torch::Tensor> parameters;  // make_lenet's, in its order and shapes
  std::vector<torch::Tensor> gradients;   // summed so far over the current minibatch's chunks
  torch::Generator generator;             // draws each epoch's order of the training images
  torch::Tensor order;                    // this epoch's order; undefined before the first epoch
  std::int64_t next_image = 0;            // position in `order`
  std::int64_t minibatch_begin = 0;       // the current minibatch is order[begin, end)
  std::int64_t minibatch_end = 0;
  double epoch_loss_sum = 0;              // over the images of this epoch so far
  std::int64_t epochs_trained = 0;
};

// A new member: weights and generator seeded by settings.seed as
// lenet_training makes them, so it trains as a lenet_training would.
packed_member_state make_packed_member(std::int64_t id, const training_settings& settings, const torch::Device& device);

// A member with the weights of `model`, which must have make_lenet's
// parameter shapes for packed_lenet::join to accept it.
packed_member_state packed_member_from(std::int64_t id, const training_settings& settings,
                                       const torch::nn::Sequential& model, const torch::Device& device);

// The fraction of the validation set a member (out of its pack, as a member
// is when its epoch has ended and it left) classifies wrongly.
[[nodiscard]] double validation_error(const fashion_mnist& data, const packed_member_state& member);

struct pack_options {
  // Images of each member's minibatch per pack step; 0: the smallest batch
  // size among the members at that step.
  std::int64_t chunk_images = 0;
};

// A member that finished an epoch in train().
struct member_epoch {
  std::int64_t id = 0;
  std::int64_t epoch = 0;  // epochs it has trained
  double mean_loss = 0;    // over the epoch's images
  // Set when the loss was NaN or infinite: the member failed and has left the pack.
  std::optional<std::string> failure;
};

class packed_lenet {
 public:
  // `data` lives on `device` and must outlive the pack; it is only read.
  // Throws std::invalid_argument for a negative chunk size.
  packed_lenet(const fashion_mnist& data, const torch::Device& device, pack_options options = {});

  // Adds a member. A member whose parameters are not make_lenet's shapes, a
  // duplicate id, a batch size below 1, or an order over another data set
  // is refused with std::invalid_argument naming it.
  void join(packed_member_state member);

  // Removes a member at once and returns its state. Unknown ids throw.
  packed_member_state leave(std::int64_t id);

  // Trains every member until at least one finishes an epoch, and returns
  // those that did; the others wait mid-epoch for the next call, in which
  // the members that stayed start their next epoch. Returns early, between two
  // steps, once `interrupted()` is true; at once when the pack is empty.
  std::vector<member_epoch> train(const std::function<bool()>& interrupted);

  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
  [[nodiscard]] std::vector<std::int64_t> member_ids() const;

 private:
  void add_row(const packed_member_state& member);
  void keep_rows(const std::vector<std::int64_t>& rows);
  [[nodiscard]] std::size_t row_of(std::int64_t id) const;
  // One pack step; returns the rows whose epoch ended with it.
  std::vector<std::size_t> step();

  const fashion_mnist& data_;
  torch::Device device_;
  pack_options options_;
  // Row i of every stacked tensor is members_[i], whose parameters and
  // gradients live in those rows while it is in the pack.
  std::vector<packed_member_state> members_;
  std::vector<torch::Tensor> parameters_;  // make_lenet's parameters stacked, [N, ...]; gradients in .grad()
  torch::Tensor loss_sums_;                // [N], each member's loss summed over this epoch
};

}  // namespace lenet
