// The seeds' LeNet (Dive into Deep Learning's d2l.LeNet, section 7.6) and its
// training with minibatch SGD: one object per trial, holding the model and
// optimiser between epochs, so a paused trial resumes where it stopped.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>

#include <torch/nn/modules/container/sequential.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>

#include "fashion_mnist.hpp"

namespace lenet {

// conv 6@5x5 pad 2, sigmoid, avg-pool 2 / conv 16@5x5, sigmoid, avg-pool 2 /
// dense 120, sigmoid / dense 84, sigmoid / dense 10. Weights Xavier-uniform
// (d2l's init_cnn), biases PyTorch's default uniform(+-1/sqrt(fan_in)); both
// drawn from `seed`, so a trial's start is reproducible on any device.
torch::nn::Sequential make_lenet(std::uint64_t seed);

// Thrown when the training loss is NaN or infinite: the trial failed.
class diverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct training_settings {
  double learning_rate = 0.1;
  std::int64_t batch_size = 128;
  std::uint64_t seed = 0;  // initial weights and the order of minibatches
};

class lenet_training {
 public:
  // `data` lives on `device` and must outlive this object; it is only read.
  lenet_training(const fashion_mnist& data, const torch::Device& device, training_settings settings);

  // One pass over the training set in a fresh random order. Returns false,
  // having stopped between two minibatches, once `interrupted()` is true.
  // Throws `diverged` when the epoch's loss is not finite.
  bool train_epoch(const std::function<bool()>& interrupted);

  // The fraction of the validation set classified wrongly.
  [[nodiscard]] double validation_error();

  [[nodiscard]] std::int64_t epochs_trained() const noexcept { return epochs_trained_; }
  // The mean training loss of the last epoch train_epoch finished.
  [[nodiscard]] double last_epoch_loss() const noexcept { return last_epoch_loss_; }

 private:
  const fashion_mnist& data_;
  torch::Device device_;
  training_settings settings_;
  torch::nn::Sequential model_;
  torch::optim::SGD optimizer_;
  torch::Generator generator_;
  std::int64_t epochs_trained_ = 0;
  double last_epoch_loss_ = 0;
};

}  // namespace lenet
